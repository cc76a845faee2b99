"""Step-up: a fresh code before acts a stolen session could profit from.

A sign-in link can be opened by someone other than the inbox's owner (a forwarded email, a shared device
left signed in), while a typed code proves the inbox at that moment. So a session opened by a link more
than 15 minutes ago must enter a fresh code, sent to the account's email, before it may:

- cancel an order (shopper page and API);
- send an order to another country (an edit whose delivery address changes country; page and API);
- make an address the default for future orders (address book);
- send a return's refund to store credit (the return request page: credit is spent by whoever holds the
  session, while a refund to the original payment goes back to the card that paid).

Changing the account's email always needs codes from both addresses (``accounts.email_change``). Sessions
opened by a code, and staff in admin, are not asked. A step-up lasts 15 minutes, like a fresh sign-in.
"""

from __future__ import annotations

import time

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.errors import AccountError

SIGNED_IN_KEY = "signed_in"  # how and when this session was signed in: {"method": "code"|"link", "at": ts}
STEPPED_UP_KEY = "stepped_up_at"
STEP_UP_AFTER_SECONDS = 15 * 60


class StepUpRequired(AccountError):
    code = "step_up_required"
    http_status = 403


def mark_signed_in(request, *, method: str) -> None:
    request.session[SIGNED_IN_KEY] = {"method": method, "at": time.time()}
    request.session.pop(STEPPED_UP_KEY, None)


def mark_stepped_up(request) -> None:
    request.session[STEPPED_UP_KEY] = time.time()


def needs_step_up(request) -> bool:
    signed_in = request.session.get(SIGNED_IN_KEY) or {}
    if signed_in.get("method") != "link":
        return False
    proven = max(signed_in.get("at", 0), request.session.get(STEPPED_UP_KEY, 0))
    return time.time() - proven > STEP_UP_AFTER_SECONDS


def step_up_url(next_path: str) -> str:
    return f"{reverse('accounts:step-up')}?{urlencode({'next': next_path})}"


def require_step_up(request) -> None:
    """For the API: refuse with 403 ``step_up_required`` and where to get the code."""
    if needs_step_up(request):
        raise StepUpRequired(
            _("For your security, confirm it's you with a code we email you, then try again."),
            fields={"step_up_url": [step_up_url("/store/account/orders/")]},
        )


def step_up_redirect(request, next_path: str):
    """For pages: None when the act may go ahead, else the redirect to the code page (back here after)."""
    if not needs_step_up(request):
        return None
    return redirect(step_up_url(next_path))
