from django.db import transaction

from orders.constants import MoneySource
from orders.gateway import SUCCESS_CARD
from orders.services import LineRequest, place_order, record_payment, take_card_payment
from storefront.models import ShippingMethod, Variant
from tests.conftest import catalog  # noqa: F401  (re-exported for modules that import it from here)

ADDRESS_NL = {
    "name": "Sam Jansen",
    "line1": "Prinsengracht 263",
    "city": "Amsterdam",
    "postal_code": "1016 GV",
    "country": "NL",
}
ADDRESS_DE = {
    "name": "Sam Jansen",
    "line1": "Unter den Linden 1",
    "city": "Berlin",
    "postal_code": "10117",
    "country": "DE",
}


def sku(code: str) -> Variant:
    return Variant.objects.get(sku=code)


def place(lines, *, email="sam@example.com", paid=True, method="standard", address=ADDRESS_NL, **kwargs) -> "Order":  # noqa: F821
    order = place_order(
        email=email,
        lines=[
            LineRequest(variant_id=sku(code).pk, quantity=qty, **extra)
            for code, qty, *rest in lines
            for extra in [rest[0] if rest else {}]
        ],
        shipping_method=ShippingMethod.objects.get(code=method) if method else None,
        shipping_address=address if method else None,
        send_confirmation=False,
        **kwargs,
    )
    if paid == "card":
        pay_by_card(order)
    elif paid:
        record_payment(order=order, amount=order.total, idempotency_key=f"pay-{order.number}")
    order.refresh_from_db()
    return order


def pay_by_card(order, amount=None, card=SUCCESS_CARD):
    """Pay through the test gateway, as checkout does, so refunds can go back through it."""
    with transaction.atomic():
        return take_card_payment(
            order=order,
            amount=order.total if amount is None else amount,
            card_number=card,
            idempotency_key=f"card-{order.number}-{order.version}",
            source=MoneySource.CHECKOUT,
        )
