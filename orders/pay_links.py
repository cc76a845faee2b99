"""The "Pay now" link: the payment request's id, signed. Unguessable without the secret key, one request
each, and rebuilt for every reminder (nothing secret is stored)."""

from django.core import signing
from django.urls import reverse

SALT = "orders.pay-now"


def pay_token(request_id: int) -> str:
    return signing.Signer(salt=SALT).sign(str(request_id)).replace(":", ".")


def request_id_from_token(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=SALT).unsign(token.replace(".", ":")))
    except (signing.BadSignature, ValueError):
        return None


def pay_path(request_id: int) -> str:
    return reverse("orders:pay", args=[pay_token(request_id)])
