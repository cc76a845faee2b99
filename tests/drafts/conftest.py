"""A customer with an address book, staff in each group, and drafts built through the services."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from accounts.models import Address, User
from accounts.services import get_or_create_customer
from drafts import services
from storefront.models import PickupLocation, ShippingMethod, Variant
from tests.conftest import STAFF_PASSWORD, catalog  # noqa: F401  (the demo catalog, for these tests' modules)

CUSTOMER = "lena.vos@example.com"
PHONE = "+31 6 1234 5678"


def sku(code: str) -> Variant:
    return Variant.objects.get(sku=code)


@pytest.fixture
def customer(catalog) -> User:  # noqa: F811
    user = get_or_create_customer(email=CUSTOMER, name="Lena Vos", language="nl")
    Address.objects.create(
        user=user,
        name="Lena Vos",
        line1="Prinsengracht 263",
        city="Amsterdam",
        postal_code="1016 GV",
        country="NL",
        phone=PHONE,
        is_default=True,
    )
    Address.objects.create(
        user=user, name="Lena Vos", line1="Unter den Linden 1", city="Berlin", postal_code="10117", country="DE"
    )
    return user


def staff(email: str, group: str | None) -> User:
    user = User.objects.create_user(email, STAFF_PASSWORD, is_staff=True)
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])  # orders/0007 made it (a flush may not keep it)
    return user


@pytest.fixture
def agent(db) -> User:
    return staff("agent@example.com", "Support agents")


@pytest.fixture
def manager(db) -> User:
    return staff("manager@example.com", "Managers")


def build_draft(customer: User, actor: User, *, items=(("MERINO-CREW-SWEATER-M-NAVY", 1),), method="standard"):
    """A draft with items, the customer's default address and a delivery, through the services."""
    draft = services.create_draft(actor=actor, customer_id=customer.pk)
    for code, quantity in items:
        services.add_draft_line(draft_id=draft.pk, variant_id=sku(code).pk, quantity=quantity, actor=actor)
    address = customer.addresses.get(is_default=True)
    services.choose_draft_address(draft_id=draft.pk, address_id=address.pk, actor=actor)
    if method == "pickup":
        services.choose_draft_delivery(
            draft_id=draft.pk, pickup_location_id=PickupLocation.objects.get().pk, actor=actor
        )
    else:
        method_id = ShippingMethod.objects.get(code=method).pk
        draft = services.choose_draft_delivery(draft_id=draft.pk, shipping_method_id=method_id, actor=actor)
    draft.refresh_from_db()
    return draft
