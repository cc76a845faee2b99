"""The read-only order status link in emails: the order number, signed. No session needed, nothing editable."""

from django.core import signing
from django.urls import reverse

SALT = "orders.status-link"


def status_token(number: int) -> str:
    return signing.Signer(salt=SALT).sign(str(number)).replace(":", ".")


def number_from_token(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=SALT).unsign(token.replace(".", ":")))
    except (signing.BadSignature, ValueError):
        return None


def status_path(number: int) -> str:
    return reverse("orders:status", args=[status_token(number)])
