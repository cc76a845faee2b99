"""Issuing invoices: one per order, numbered from the store's counter without a gap.

The number comes from the store's counter row (``InvoiceSequence``), moved by one UPDATE inside the issuing
transaction: the row stays locked until that transaction ends, so the next issuer waits and reads the number
after it, and a rollback (a declined card at checkout) gives the number back. A PostgreSQL sequence would
not: ``nextval`` is never rolled back, which leaves gaps. The lock is the last thing the transaction takes
and is held only until it commits (checkout issues after the card is charged, not before).

When: at placing (``place_order``; ``checkout_order`` after the charge), so the confirmation email can link
it. Orders placed before invoices existed (or loaded in bulk) get theirs from staff (``issue_invoice``).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from orders import events, invoices
from orders.constants import ActorKind
from orders.errors import OrderError
from orders.models import Invoice, Order, OrderLine
from orders.services.kernel import lock_order, save_change
from storefront.models import StoreSettings

# Inserts the store's counter at 1, or adds one to it; either way the row is locked to the end of the transaction.
NEXT_SERIAL_SQL = """
    INSERT INTO orders_invoicesequence (store_id, last_serial) VALUES (%s, 1)
    ON CONFLICT (store_id) DO UPDATE SET last_serial = orders_invoicesequence.last_serial + 1
    RETURNING last_serial"""


class InvoiceError(OrderError):
    code = "invoice_invalid"


def next_serial(store: StoreSettings) -> int:
    """The store's next invoice number, taken under its counter's row lock (the caller is in a transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(NEXT_SERIAL_SQL, [store.pk])
        return cursor.fetchone()[0]


def invoice_new_order(
    *, order: Order, lines: list[OrderLine], actor_kind: ActorKind, actor: User | None = None
) -> Invoice:
    """The invoice of an order being placed, inside the placing transaction (the order is not yet visible to
    anyone else, so it needs no lock); the caller issues it last, so the counter is held for the least time."""
    return _issue(order=order, lines=lines, actor_kind=actor_kind, actor=actor)


def issue_invoice(*, order_id: int, actor: User) -> Invoice:
    """Staff issue the invoice of an order that has none (placed before invoices, or loaded in bulk)."""
    with transaction.atomic():
        order = lock_order(Order(pk=order_id))
        if Invoice.objects.filter(order=order).exists():
            raise InvoiceError(_("This order already has an invoice."), code="already_invoiced")
        save_change(order, [], content=False)  # its pages now link the invoice: a new version, which the event carries
        invoice = _issue(
            order=order, lines=list(order.lines.order_by("position", "pk")), actor_kind=ActorKind.STAFF, actor=actor
        )
    return invoice


def _issue(*, order: Order, lines: list[OrderLine], actor_kind: ActorKind, actor: User | None) -> Invoice:
    store = StoreSettings.load()
    content = invoices.invoice_lines(order, lines)
    sums = invoices.totals(content)
    invoice = Invoice(
        order=order,
        store=store,
        issued_at=timezone.now(),
        language=order.language,
        currency=order.currency,
        prices_include_tax=order.prices_include_tax,
        tax_exempt=order.tax_exempt,
        seller=invoices.seller(store),
        buyer=invoices.buyer(order, name=_customer_name(order)),
        lines=[line.as_data() for line in content],
        net_total=sums.net,
        tax_total=sums.tax,
        total=sums.gross,
    )
    invoice.serial = next_serial(store)  # last: the counter stays locked only until the caller commits
    invoice.save()
    events.invoice_issued_event(order=order, invoice=invoice, actor_kind=actor_kind, actor=actor)
    return invoice


def _customer_name(order: Order) -> str:
    profile = getattr(order.customer, "profile", None)
    return profile.name if profile is not None else ""
