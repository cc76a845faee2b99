"""The "Pay now" link: the payment request's id, signed. Unguessable without the secret key, one request
each, and rebuilt for every reminder (nothing secret is stored)."""

from django.urls import reverse

from core.signed_ids import SignedId

PAY_LINKS = SignedId("orders.pay-now")
pay_token = PAY_LINKS.token
request_id_from_token = PAY_LINKS.value


def pay_path(request_id: int) -> str:
    return reverse("orders:pay", args=[pay_token(request_id)])
