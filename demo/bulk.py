"""Bulk generation of a large store for load tests: 100,000s of customers, millions of order rows.

Rows are computed with the same pure functions the services use (``orders.calculations``,
``orders.statuses``), and lines made by checkout's line factory (``orders.lines``), so the data is
consistent, but written with PostgreSQL COPY instead of one ``place_order`` per order: the service path
does ~50 orders a second, this does thousands.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import JSONField, Model
from django.utils import timezone

from accounts.models import CustomerProfile, User
from demo.loader import CITIES, FIRST_NAMES, LANGUAGE_BY_COUNTRY, LAST_NAMES
from orders.calculations import LineInput, calculate_totals
from orders.constants import ActorKind, DeliveryState, EventType, TransactionKind, TransactionStatus
from orders.lines import new_order_line
from orders.models import Fulfillment, FulfillmentLine, Order, OrderEvent, OrderLine, Transaction
from orders.statuses import OrderFacts, derive_statuses
from storefront.models import ShippingMethod, StoreSettings, TaxRate, Variant
from storefront.pricing import pick_shipping_rate, pick_tax_rate

BATCH = 20_000
UNUSABLE_PASSWORD = "!bulk-generated"  # noqa: S105 - Django's marker for "no password": shoppers sign in by code


def _columns(model) -> list[str]:
    return [field.column for field in model._meta.concrete_fields]


class Copier:
    """Buffers rows per table and streams them with COPY."""

    def __init__(self) -> None:
        self.buffers: dict[type[Model], list[tuple]] = {}
        self.counts: dict[str, int] = {}

    def add(self, model, row: tuple) -> None:
        self.buffers.setdefault(model, []).append(row)

    def flush(self) -> None:
        with connection.cursor() as cursor:
            for model, rows in self.buffers.items():
                if not rows:
                    continue
                table, columns = model._meta.db_table, _columns(model)
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                self.counts[table] = self.counts.get(table, 0) + len(rows)
                rows.clear()


def _next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")  # noqa: S608 - our table
        return cursor.fetchone()[0]


def _reset_sequences(models) -> None:
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}")  # noqa: S608 - our table
        cursor.execute(
            "SELECT setval('orders_order_number_seq', (SELECT COALESCE(MAX(number), 1000) FROM orders_order))"
        )


STREETS = (
    "Prinsengracht",
    "Hauptstraße",
    "Rue de la République",
    "Kerkstraat",
    "Calle Mayor",
    "Nádražní",
    "Station Road",
)


def _home(i: int) -> dict:
    """A shopper's own phone, street, company and VAT ID, derived from their number: search finds real variety."""
    business = i % 12 == 0
    return {
        "phone": f"+31 6 {(i * 7919) % 10**8:08d}",
        "street": STREETS[i % len(STREETS)],
        "postal_seed": (i * 104729) % 10**6,
        "company": f"{LAST_NAMES[i % len(LAST_NAMES)]} Trading {i}" if business else "",
        "vat_id": f"NL{i:09d}B01" if business else "",
    }


def _postal_code(template: str, seed: int) -> str:
    """The city's postal code with its digits replaced from ``seed``: one per shopper, in the country's shape."""
    digits = iter(f"{seed:06d}" * 2)
    return re.sub(r"\d", lambda _match: next(digits), template)


def bulk_customers(
    count: int, *, rng: random.Random, progress: Callable = lambda it, **kw: it
) -> list[tuple[int, str, str, str, dict]]:
    """``count`` shoppers (user + profile); returns (id, email, name, language, home) of each."""
    copier = Copier()
    user_id, profile_id = _next_id(User), _next_id(CustomerProfile)
    now = timezone.now()
    start = User.objects.filter(email__startswith="bulk").count()
    made = []
    for i in progress(range(start, start + count), desc="customers", unit="customer"):
        email = f"bulk{i:07d}@demo.example"
        country = rng.choice(CITIES)[0]
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        language = LANGUAGE_BY_COUNTRY[country]
        copier.add(User, _user_row(user_id, email, now))
        copier.add(
            CustomerProfile,
            _row(
                CustomerProfile,
                {
                    "id": profile_id,
                    "user_id": user_id,
                    "name": name,
                    "language": language,
                    "time_zone": "",
                    "vat_id": _home(i)["vat_id"],
                    "tax_exempt": False,
                    "group_id": None,
                    "marketing_consent": False,
                    "marketing_consent_at": None,
                    "marketing_consent_source": "",
                },
            ),
        )
        made.append((user_id, email, name, language, _home(i)))
        user_id, profile_id = user_id + 1, profile_id + 1
        if len(copier.buffers[User]) >= BATCH:
            copier.flush()
    copier.flush()
    return made


def _user_row(pk, email, now):
    return _row(
        User,
        {
            "id": pk,
            "password": UNUSABLE_PASSWORD,
            "last_login": None,
            "is_superuser": False,
            "email": email,
            "is_staff": False,
            "is_active": True,
            "date_joined": now,
        },
    )


def bulk_orders(
    *,
    customers: list[tuple[int, str, str, str, dict]],
    count: int,
    rng: random.Random,
    progress: Callable = lambda it, **kw: it,
    max_lines: int = 5,
) -> dict[str, int]:
    """``count`` orders spread over ``customers``, with lines, payments, shipments and events."""
    store = StoreSettings.load()
    variants = list(Variant.objects.filter(is_fee=False).select_related("product"))
    methods = list(ShippingMethod.objects.prefetch_related("rates"))
    rates = list(TaxRate.objects.all())
    copier = Copier()
    ids = {
        model: _next_id(model) for model in (Order, OrderLine, Fulfillment, FulfillmentLine, Transaction, OrderEvent)
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(number), 1000) FROM orders_order")
        number = cursor.fetchone()[0]
    now = timezone.now()
    order_columns = _columns(Order)
    owner = Order()  # one instance for every order's lines: building an Order per order costs more than its row
    for index in progress(range(count), desc="orders", unit="order"):
        customer_id, email, name, language, home = (
            customers[index % len(customers)] if index < len(customers) else rng.choice(customers)
        )
        country, city, postal = rng.choice(CITIES)
        method = rng.choice(methods)
        placed_at = now - timedelta(minutes=rng.randint(90, 730 * 24 * 60))
        picks = rng.sample(variants, k=rng.randint(1, max_lines))
        tax_rate = pick_tax_rate(rates, country=country)
        inputs = [LineInput(unit_price=v.price, quantity=rng.choice((1, 1, 1, 2, 3)), tax_rate=tax_rate) for v in picks]
        goods = calculate_totals(
            lines=inputs,
            shipping_price=Decimal(0),
            shipping_tax_rate=Decimal(0),
            discount_percent=Decimal(0),
            prices_include_tax=store.prices_include_tax,
            currency=store.currency,
        )
        weight = sum(v.weight_grams * line.quantity for v, line in zip(picks, inputs, strict=True))
        rate = pick_shipping_rate(method.rates.all(), country=country, order_value=goods.subtotal, weight_grams=weight)
        shipping = rate.price if rate else Decimal(0)
        totals = calculate_totals(
            lines=inputs,
            shipping_price=shipping,
            shipping_tax_rate=tax_rate,
            discount_percent=Decimal(0),
            prices_include_tax=store.prices_include_tax,
            currency=store.currency,
        )
        roll = rng.random()
        paid, shipped, cancelled = roll < 0.92, roll < 0.75, roll > 0.97
        order_id, number = ids[Order], number + 1
        line_ids = list(range(ids[OrderLine], ids[OrderLine] + len(picks)))
        captured = totals.total if paid else Decimal(0)
        statuses = derive_statuses(
            OrderFacts(
                total=totals.total,
                captured=captured,
                refunded=Decimal(0),
                cancelled=cancelled and not shipped,
                line_quantities=tuple((line.quantity, line.quantity if shipped else 0) for line in inputs),
            )
        )
        version = 1 + paid + shipped
        content_version = 1 + shipped  # as the services leave it: a payment is bookkeeping, a shipment is not
        address = {
            "name": name,
            "company": home["company"],
            "line1": f"{home['street']} {rng.randint(1, 300)}",
            "city": city,
            "postal_code": _postal_code(postal, home["postal_seed"]),
            "country": country,
            "phone": home["phone"],
        }
        values = {
            "id": order_id,
            "number": number,
            "email": email,
            "currency": store.currency,
            "language": language,
            "shipping_address": json.dumps(address),
            "billing_address": json.dumps(address),
            "shipping_method_name": method.name,
            "discount_code": "",
            "discount_percent": Decimal(0),
            "fixed_discount": Decimal(0),
            "prices_include_tax": store.prices_include_tax,
            "tax_exempt": False,
            "subtotal": totals.subtotal,
            "discount_total": totals.discount,
            "shipping_total": totals.shipping,
            "shipping_tax_rate": tax_rate,
            "tax_total": totals.tax,
            "total": totals.total,
            "captured_total": captured,
            "refunded_total": Decimal(0),
            "adjustment_total": Decimal(0),
            "kept_total": Decimal(0),
            "owes": captured < totals.total and not (cancelled and not shipped),
            "return_status": "",
            "vat_id": home["vat_id"],
            "status": statuses.status,
            "financial_status": statuses.financial_status,
            "fulfillment_status": statuses.fulfillment_status,
            "tags": [],
            "risk_level": "low",
            "version": version,
            "content_version": content_version,
            "edit_window_ends_at": placed_at + timedelta(minutes=60),
            "on_fulfillment_hold": False,
            "placed_at": placed_at,
            "updated_at": placed_at,
            "cancelled_at": placed_at if cancelled and not shipped else None,
            "archived_at": None,
            "external_id": "",
            "customer_id": customer_id,
            "pickup_location_id": None,
            "shipping_method_id": method.pk,
            "address_changes": 0,
        }
        copier.add(Order, tuple(values[c] for c in order_columns))
        owner.pk, owner.language = order_id, language  # all the line factory reads of the order
        for position, (line_id, variant, line, amounts) in enumerate(
            zip(line_ids, picks, inputs, totals.lines, strict=True)
        ):
            order_line = new_order_line(
                order=owner, variant=variant, quantity=line.quantity, priced=line, amounts=amounts, position=position
            )
            order_line.pk, order_line.fulfilled_quantity = line_id, line.quantity if shipped else 0
            copier.add(OrderLine, _copy_row(order_line))
        ids[OrderLine] += len(picks)
        _event(copier, ids, order_id, EventType.PLACED, placed_at, 1, {"total": str(totals.total), "lines": len(picks)})
        if paid:
            txn_id = ids[Transaction]
            ids[Transaction] += 1
            copier.add(
                Transaction,
                _row(
                    Transaction,
                    {
                        "id": txn_id,
                        "kind": TransactionKind.CHARGE,
                        "amount": totals.total,
                        "currency": store.currency,
                        "status": TransactionStatus.SUCCESS,
                        "source": "checkout",
                        "reason_code": "",
                        "reason_note": "",
                        "gateway": "manual",
                        "gateway_reference": f"bulk_ch_{number}",
                        "idempotency_key": f"bulk-pay-{number}",
                        "error": "",
                        "parent_id": None,
                        "credit_memo_id": None,
                        "created_by_id": None,
                        "attempts": 0,
                        "retry_round": 0,
                        "created_at": placed_at,
                        "processed_at": placed_at,
                        "order_id": order_id,
                    },
                ),
            )
            _event(
                copier,
                ids,
                order_id,
                EventType.PAYMENT_CAPTURED,
                placed_at,
                2,
                {"transaction": txn_id, "amount": str(totals.total), "currency": store.currency},
            )
        if shipped:
            fulfillment_id = ids[Fulfillment]
            ids[Fulfillment] += 1
            state = rng.choice(
                [DeliveryState.DELIVERED] * 6 + [DeliveryState.IN_TRANSIT, DeliveryState.OUT_FOR_DELIVERY]
            )
            shipped_at = placed_at + timedelta(days=1)
            copier.add(
                Fulfillment,
                _row(
                    Fulfillment,
                    {
                        "id": fulfillment_id,
                        "carrier": "PostNL",
                        "tracking_number": f"3SBULK{number}",
                        "tracking_url": f"https://postnl.example/track/3SBULK{number}",
                        "delivery_state": state,
                        "estimated_arrival": (shipped_at + timedelta(days=2)).date(),
                        "shipped_at": shipped_at,
                        "delivered_at": shipped_at + timedelta(days=2) if state == DeliveryState.DELIVERED else None,
                        "updated_at": shipped_at,
                        "order_id": order_id,
                    },
                ),
            )
            for line_id, line in zip(line_ids, inputs, strict=True):
                copier.add(
                    FulfillmentLine,
                    _row(
                        FulfillmentLine,
                        {
                            "id": ids[FulfillmentLine],
                            "quantity": line.quantity,
                            "fulfillment_id": fulfillment_id,
                            "order_line_id": line_id,
                        },
                    ),
                )
                ids[FulfillmentLine] += 1
            _event(
                copier,
                ids,
                order_id,
                EventType.FULFILLMENT_CREATED,
                shipped_at,
                version,
                {"fulfillment": fulfillment_id, "carrier": "PostNL", "tracking_number": f"3SBULK{number}"},
            )
        ids[Order] += 1
        if len(copier.buffers[Order]) >= BATCH:
            copier.flush()
    copier.flush()
    _reset_sequences([Order, OrderLine, Fulfillment, FulfillmentLine, Transaction, OrderEvent])
    return copier.counts


def _copy_row(instance: Model) -> tuple:
    """An unsaved instance's row for COPY, JSON columns as JSON text."""
    return tuple(
        json.dumps(value) if isinstance(field, JSONField) else value
        for field in instance._meta.concrete_fields
        for value in [getattr(instance, field.attname)]
    )


def _row(model, values: dict) -> tuple:
    return tuple(values[column] for column in _columns(model))


VISIBLE = {EventType.PLACED, EventType.PAYMENT_CAPTURED, EventType.FULFILLMENT_CREATED}


def _event(copier, ids, order_id, type_, at, version, data) -> None:
    copier.add(
        OrderEvent,
        _row(
            OrderEvent,
            {
                "id": ids[OrderEvent],
                "type": type_,
                "actor_kind": ActorKind.SYSTEM if type_ != EventType.PLACED else ActorKind.CUSTOMER,
                "data": json.dumps(data),
                "customer_visible": type_ in VISIBLE,
                "order_version": version,
                "created_at": at,
                "order_id": order_id,
                "actor_id": None,
            },
        ),
    )
    ids[OrderEvent] += 1


def bulk_load(
    *, customers: int, orders: int, seed: int = 7, progress: Callable = lambda it, **kw: it
) -> dict[str, int]:
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    with transaction.atomic():
        made = bulk_customers(customers, rng=rng, progress=progress)
        _reset_sequences([User, CustomerProfile])
        counts = bulk_orders(customers=made, count=orders, rng=rng, progress=progress)
        with connection.cursor() as cursor:  # each customer's count of owing orders (orders.OwingCustomer)
            cursor.execute(
                "INSERT INTO orders_owingcustomer (customer_id, orders) SELECT customer_id, count(*) FROM orders_order "
                "WHERE owes GROUP BY customer_id ON CONFLICT (customer_id) DO UPDATE SET orders = EXCLUDED.orders"
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"customers": len(made), **counts}
