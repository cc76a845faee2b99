"""The demo store: catalog, a demo shopper with an order in every status, and generated load.

Idempotent: the catalog is upserted by slug/SKU, the demo shopper's orders are made once.
Orders are placed through ``place_order`` and moved on by the same services staff and jobs use.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import CustomerGroup, CustomerProfile, User
from accounts.services import give_staff_totp
from core.reasons import Reason, ReasonCode
from demo.catalog import COLOURS, LANGS, ONE_SIZE, PICKUP, PRODUCTS, SHIPPING_METHODS, TAX_RATES
from editing.models import EditPolicy
from orders import services
from orders.constants import ActorKind, DeliveryState, MoneySource, RiskLevel
from orders.gateway import demo_card
from orders.models import Order
from storefront.models import (
    DiscountCode,
    PickupLocation,
    Product,
    ShippingMethod,
    ShippingRate,
    StoreSettings,
    TaxRate,
    Variant,
)

DEMO_EMAIL = "demo@example.com"
MERCHANT_ALERTS = "alerts@example.com"
STAFF_EMAIL = "staff@example.com"
STAFF_PASSWORD = "aftersale-staff-demo"  # noqa: S105 - demo only; printed by `make run`; admin also needs the TOTP
DEMO_ADDRESS = {
    "name": "Sam Jansen",
    "line1": "Prinsengracht 263",
    "city": "Amsterdam",
    "postal_code": "1016 GV",
    "country": "NL",
}
DEMO_STOCK = 50_000
FIRST_NAMES = [
    "Anna",
    "Luca",
    "Emma",
    "Noah",
    "Mila",
    "Liam",
    "Sofia",
    "Jan",
    "Yuki",
    "Mei",
    "Tomás",
    "Eva",
    "Pierre",
    "Lena",
]
LAST_NAMES = ["de Vries", "Müller", "Martin", "García", "Silva", "Novák", "Sato", "Chen", "Janssen", "Dubois", "Rossi"]
CITIES = [
    ("NL", "Utrecht", "3511 AB"),
    ("DE", "Berlin", "10115"),
    ("FR", "Lyon", "69001"),
    ("BE", "Gent", "9000"),
    ("ES", "Madrid", "28001"),
    ("NL", "Rotterdam", "3011 AA"),
    ("CZ", "Praha", "110 00"),
    ("JP", "Tokyo", "100-0001"),
]
LANGUAGE_BY_COUNTRY = {
    "NL": "nl",
    "DE": "de",
    "FR": "fr",
    "BE": "nl",
    "ES": "es",
    "CZ": "cs",
    "JP": "ja",
    "PT": "pt-br",
}


def _translated(field: str, names: dict[str, str]) -> dict[str, str]:
    return {f"{field}_{lang}": names[lang] for lang in LANGS}


def _variant_name(size: str | None, colour: str | None, lang: str) -> str:
    parts = [size] if size else []
    if colour:
        parts.append(COLOURS[colour][lang])
    return " / ".join(parts) or ONE_SIZE[lang]


@transaction.atomic
def load_catalog() -> StoreSettings:
    store = StoreSettings.load()
    store.name, store.address = "Aftersale Demo Store", "Haarlemmerstraat 42, 1013 ER Amsterdam, NL"
    store.support_email, store.currency, store.prices_include_tax = "support@example.com", "EUR", True
    store.save()
    for country, region, rate in TAX_RATES:
        TaxRate.objects.update_or_create(country=country, region=region, defaults={"rate": Decimal(rate)})
    for method_spec in SHIPPING_METHODS:
        method, _ = ShippingMethod.objects.update_or_create(
            code=method_spec["code"],
            defaults={
                "carrier": method_spec["carrier"],
                "position": method_spec["position"],
                **_translated("name", method_spec["name"]),
            },
        )
        method.rates.all().delete()
        ShippingRate.objects.bulk_create(
            ShippingRate(
                method=method,
                country=country,
                min_order_value=Decimal(low),
                max_order_value=Decimal(high) if high else None,
                price=Decimal(price),
            )
            for country, low, high, price in method_spec["rates"]
        )
    PickupLocation.objects.update_or_create(
        address=PICKUP["address"],
        defaults={"country": PICKUP["country"], "hours": PICKUP["hours"], **_translated("name", PICKUP["name"])},
    )
    for spec in PRODUCTS:
        product, _ = Product.objects.update_or_create(
            slug=spec["slug"],
            defaults={
                **_translated("name", spec["name"]),
                "option_names": [o for o, values in (("size", spec["sizes"]), ("colour", spec["colours"])) if values],
                "is_customizable": spec.get("customizable", False),
            },
        )
        position = 0
        sizes: list[str | None] = list(spec["sizes"]) or [None]
        colours: list[str | None] = list(spec["colours"]) or [None]
        for size in sizes:
            for colour in colours:
                sku = "-".join(p for p in (spec["slug"], size, colour) if p).upper()
                options = {k: v for k, v in (("size", size), ("colour", colour)) if v}
                Variant.objects.update_or_create(
                    sku=sku,
                    defaults={
                        "product": product,
                        "options": options,
                        "price": spec["price"],
                        "position": position,
                        "weight_grams": spec["weight"],
                        "is_fee": spec.get("fee", False),
                        "track_inventory": not spec.get("fee", False),
                        "stock": DEMO_STOCK,
                        **{f"name_{lang}": _variant_name(size, colour, lang) for lang in LANGS},
                    },
                )
                position += 1
    CustomerGroup.objects.get_or_create(name="VIP", defaults={"discount_percent": Decimal("10")})
    CustomerGroup.objects.get_or_create(name="Wholesale", defaults={"discount_percent": Decimal("15")})
    DiscountCode.objects.get_or_create(code="WELCOME10", defaults={"percent": Decimal("10")})
    EditPolicy.load()
    store = StoreSettings.load()
    if not store.alert_email:
        store.alert_email = MERCHANT_ALERTS
        store.save(update_fields=["alert_email"])
    return store


def ensure_staff_user() -> tuple[User, str, list[str]]:
    """The demo's staff user with an authenticator device; fresh backup codes on every load."""
    user = User.objects.filter(email=STAFF_EMAIL).first()
    if user is None:
        user = User.objects.create_superuser(STAFF_EMAIL, STAFF_PASSWORD)
    device, backup_codes = give_staff_totp(user=user)
    return user, device.config_url, backup_codes


def staff_user() -> User:
    """The demo's staff user, as ``ensure_staff_user`` makes it but without a new authenticator (that
    would void the backup codes ``load_demo`` has just printed)."""
    return User.objects.filter(email=STAFF_EMAIL).first() or User.objects.create_superuser(STAFF_EMAIL, STAFF_PASSWORD)


def variant_pk(slug: str, *parts: str) -> int:
    return Variant.objects.get(sku="-".join([slug, *parts]).upper()).pk


def load_demo_shopper() -> int:
    """The demo shopper's orders, one for each status combination. Returns how many were placed."""
    if Order.objects.filter(email=DEMO_EMAIL).exists():
        return 0
    standard = ShippingMethod.objects.get(code="standard")
    express = ShippingMethod.objects.get(code="express")
    pickup = PickupLocation.objects.get(address=PICKUP["address"])
    now = timezone.now()
    sweater_m, tee_m = variant_pk("merino-crew-sweater", "M", "navy"), variant_pk("organic-cotton-tee", "M", "white")
    socks, mug = variant_pk("wool-socks", "M", "grey"), variant_pk("ceramic-mug", "white")
    wallet, tote = variant_pk("leather-wallet", "brown"), variant_pk("canvas-tote", "natural")
    L = services.LineRequest

    def place(lines, days_ago: float, **kwargs) -> Order:
        delivery: dict[str, Any] = (
            {"pickup_location": pickup}
            if kwargs.pop("pickup", False)
            else {"shipping_method": kwargs.pop("method", standard), "shipping_address": DEMO_ADDRESS}
        )
        return services.place_order(
            email=DEMO_EMAIL,
            lines=lines,
            language="en",
            name=DEMO_ADDRESS["name"],
            actor_kind=ActorKind.CUSTOMER,
            placed_at=now - timedelta(days=days_ago),
            send_confirmation=False,
            **delivery,
            **kwargs,
        )

    def pay(order: Order, amount: Decimal | None = None) -> None:
        # Through the gateway (its test card), as checkout does, so staff can refund demo orders for real.
        with transaction.atomic():
            services.take_card_payment(
                order=order,
                amount=amount or order.total,
                card_number=demo_card(),
                idempotency_key=f"demo-pay-{order.number}",
                source=MoneySource.CHECKOUT,
            )

    def ship(order: Order, state=DeliveryState.IN_TRANSIT, arrival_days: int | None = 2, only_first=False):
        lines = list(order.lines.all())[:1] if only_first else list(order.lines.all())
        return services.record_shipment(
            order=order,
            quantities={line.pk: line.quantity for line in lines},
            carrier="PostNL",
            tracking_number=f"3SABCD{order.number}NL",
            tracking_url=f"https://postnl.example/track/3SABCD{order.number}NL",
            delivery_state=state,
            estimated_arrival=(now + timedelta(days=arrival_days)).date() if arrival_days else None,
        )

    # Unpaid, just placed (still inside its edit window).
    place([L(sweater_m, 1), L(socks, 2)], days_ago=0)
    # Paid, unfulfilled, editable.
    pay(place([L(tee_m, 2), L(mug, 1)], days_ago=0.01))
    # Partially paid.
    order = place([L(sweater_m, 2), L(tote, 1)], days_ago=2)
    pay(order, (order.total / 2).quantize(Decimal("0.01")))
    # Paid, one line in transit with an arrival date, the other not yet shipped.
    order = place([L(sweater_m, 1), L(tee_m, 1)], days_ago=3, method=express)
    pay(order)
    ship(order, only_first=True)
    # Paid, shipped, out for delivery.
    order = place([L(socks, 3)], days_ago=4)
    pay(order)
    ship(order, DeliveryState.OUT_FOR_DELIVERY, arrival_days=0)
    # Paid, ready for pickup in store.
    order = place([L(mug, 2)], days_ago=5, pickup=True)
    pay(order)
    ship(order, DeliveryState.READY_FOR_PICKUP, arrival_days=None)
    # Paid, delivered, archived.
    order = place([L(tote, 1), L(tee_m, 1)], days_ago=30)
    pay(order)
    ship(order, DeliveryState.DELIVERED, arrival_days=None)
    services.archive_order(order=order, actor_kind=ActorKind.SYSTEM)
    # Paid then fully refunded and cancelled.
    order = place([L(sweater_m, 1)], days_ago=12)
    pay(order)
    services.record_refund(order=order, amount=order.total, idempotency_key=f"demo-refund-{order.number}")
    services.cancel_order(order=order, reason=Reason(ReasonCode.CUSTOMER_REQUEST), actor_kind=ActorKind.STAFF)
    # Paid, one line returned and refunded by staff, through the gateway: given back, so nothing is owed
    # (a refund recorded as made elsewhere leaves what the order costs as it was).
    order = place([L(tee_m, 1), L(socks, 1)], days_ago=8)
    pay(order)
    memo = services.issue_refund(
        order=order,
        amount=order.lines.get(variant_id=socks).total,
        reason=Reason(ReasonCode.RETURNED),
        with_return=True,
        actor=staff_user(),
    )
    for refund in memo.refunds.all():
        services.send_refund(refund_id=refund.pk)
    # Cancelled before payment: voided.
    order = place([L(wallet, 1)], days_ago=6)
    services.cancel_order(order=order, reason=Reason(ReasonCode.PAYMENT_NOT_RECEIVED), actor_kind=ActorKind.SYSTEM)
    # With a discount code (locked for self-editing by default policy).
    pay(place([L(sweater_m, 1), L(socks, 2)], days_ago=1, discount_code="WELCOME10"))
    # An engraved wallet (customized: can be removed, not changed).
    pay(place([L(wallet, 1, customization="S.J."), L(variant_pk("gift-wrapping"), 1)], days_ago=0.02))
    # Delivery failed.
    order = place([L(mug, 1)], days_ago=9)
    pay(order)
    ship(order, DeliveryState.FAILED, arrival_days=None)
    return Order.objects.filter(email=DEMO_EMAIL).count()


def generate(
    *, customers: int, orders: int, seed: int = 7, progress: Callable[[Iterable], Iterable] = lambda it: it
) -> int:
    """N extra customers and M orders spread over two years, in realistic status proportions."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    existing = User.objects.filter(email__startswith="customer", email__endswith="@demo.example").count()
    new_users = [User(email=f"customer{i:07d}@demo.example") for i in range(existing, customers)]
    for user in new_users:
        user.set_unusable_password()
    User.objects.bulk_create(new_users, batch_size=2000)
    profiles = []
    for user in User.objects.filter(email__in=[u.email for u in new_users]):
        country, _city, _postal = rng.choice(CITIES)
        profiles.append(
            CustomerProfile(
                user=user,
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                language=LANGUAGE_BY_COUNTRY[country],
            )
        )
    CustomerProfile.objects.bulk_create(profiles, batch_size=2000)
    shoppers = list(
        CustomerProfile.objects.filter(user__email__endswith="@demo.example").values_list(
            "user__email", "name", "language"
        )
    )
    if not shoppers or not orders:
        return 0
    variant_ids = list(Variant.objects.filter(is_fee=False).values_list("pk", flat=True))
    methods = list(ShippingMethod.objects.all())
    now = timezone.now()
    placed = 0
    for _ in progress(range(orders)):
        email, name, language = rng.choice(shoppers)
        country, city, postal = rng.choice(CITIES)
        picks = rng.sample(variant_ids, k=rng.choice([1, 1, 2, 2, 3, 4]))
        order = services.place_order(
            email=email,
            lines=[services.LineRequest(variant_id=v, quantity=rng.choice([1, 1, 1, 2, 3])) for v in picks],
            shipping_method=rng.choice(methods),
            shipping_address={
                "name": name,
                "line1": f"{rng.randint(1, 300)} Demo Street",
                "city": city,
                "postal_code": postal,
                "country": country,
            },
            language=language,
            risk_level=RiskLevel.HIGH if rng.random() < 0.02 else RiskLevel.LOW,
            placed_at=now - timedelta(minutes=rng.randint(90, 730 * 24 * 60)),
            send_confirmation=False,
        )
        roll = rng.random()
        if roll < 0.92:
            services.record_payment(order=order, amount=order.total, idempotency_key=f"gen-pay-{order.number}")
        if roll < 0.75:
            lines = list(order.lines.all())
            state = rng.choice(
                [DeliveryState.DELIVERED] * 6 + [DeliveryState.IN_TRANSIT, DeliveryState.OUT_FOR_DELIVERY]
            )
            services.record_shipment(
                order=order,
                quantities={line.pk: line.quantity for line in lines},
                carrier="PostNL",
                tracking_number=f"3SGEN{order.number}",
                delivery_state=state,
                estimated_arrival=(now + timedelta(days=rng.randint(1, 4))).date(),
            )
        elif roll > 0.97:
            services.cancel_order(order=order, actor_kind=ActorKind.SYSTEM)
        placed += 1
    return placed
