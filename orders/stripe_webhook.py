"""``/webhooks/stripe/``: Stripe's events, verified by their ``Stripe-Signature`` header, handled once."""

import json

import stripe
from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from orders.services import stripe_events


@csrf_exempt  # Stripe signs what it sends; there is no session and no form
@require_POST
def stripe_webhook(request):
    """400 for a body not signed with ``STRIPE_WEBHOOK_SECRET`` within the library's tolerance (5 minutes:
    an old delivery replayed by someone else is refused); 200 once handled, or for an event seen before.
    A failure in handling answers 500, and Stripe sends the event again."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        return HttpResponse(status=404)
    try:
        stripe.Webhook.construct_event(
            request.body, request.headers.get("Stripe-Signature", ""), settings.STRIPE_WEBHOOK_SECRET
        )
    except (ValueError, stripe.SignatureVerificationError):
        return HttpResponseBadRequest("bad signature")
    outcome = stripe_events.handle_event(json.loads(request.body))
    return JsonResponse({"received": True, "outcome": outcome})
