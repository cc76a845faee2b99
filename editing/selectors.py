"""Reads for the edit page and API: the preview (a pure recalculation of the staged changes) and the choices."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404

from accounts.models import Address
from core import rows
from editing.calculations import EditPlan
from editing.errors import EditError
from editing.models import EditSession
from editing.plan import GROUP_DISCOUNT_JOIN, Destination, build_edit, load_variants
from orders.calculations import Totals
from orders.constants import OPEN_REFUND_STATUSES, TransactionKind
from orders.models import Order, OrderLine
from orders.selectors import as_prefetched
from orders.services import money_in_hand
from storefront.models import PickupLocation, Product, ShippingMethod, Variant
from storefront.selectors import search_variants, with_delivery

SEARCH_LIMIT = 20


@dataclass
class EditPreview:
    session: EditSession
    order: Order
    plan: EditPlan | None
    after: Totals | None
    held: Decimal
    error: EditError | None
    changed: bool
    lines: list[OrderLine] = field(default_factory=list)  # the order's lines, as read for the preview
    variants: dict[int, Variant] = field(default_factory=dict)  # every variant the staged changes touch
    destination: Destination | None = None  # where the order goes after the changes, once worked out

    @property
    def balance(self) -> Decimal:
        """Positive: the shopper pays this; negative: it is refunded."""
        total = self.after.total if self.after else self.order.total
        return max(total - self.order.adjustment_total, Decimal("0")) + self.order.kept_total - self.held

    @property
    def to_pay(self) -> Decimal:
        return max(self.balance, Decimal("0"))

    @property
    def to_refund(self) -> Decimal:
        return max(-self.balance, Decimal("0"))


def moves_abroad(session: EditSession) -> bool:
    """The staged delivery address is in another country than the order's: a step-up act."""
    staged = session.staged_changes.address
    current = session.order.shipping_address or {}
    return staged is not None and staged.get("country") != current.get("country")


def preview_edit(*, session: EditSession) -> EditPreview:
    """Before and after for every line and total, and the balance. Writes nothing."""
    order = session.order
    staged = session.staged_changes
    lines = list(order.lines.all())
    held = money_in_hand(order, open_refunds=getattr(order, "open_refunds", None))
    variants = load_variants(order=order, lines=lines, staged=staged)
    try:
        built = build_edit(order=order, lines=lines, staged=staged, variants=variants)
    except EditError as error:  # e.g. stock sold out since staging: shown, and commit would refuse
        return EditPreview(
            session=session,
            order=order,
            plan=None,
            after=None,
            held=held,
            error=error,
            changed=True,
            lines=lines,
            variants=variants,
        )
    return EditPreview(
        session=session,
        order=order,
        plan=built.plan,
        after=built.plan.totals,
        held=held,
        error=None,
        changed=staged.has_changes,
        lines=lines,
        variants=variants,
        destination=built.destination,
    )


EDIT_JOINS = ("order__customer__profile__group", "order__pickup_location", "order__shipping_method")
EDIT_LINES = Prefetch("lines", queryset=OrderLine.objects.select_related("variant").order_by("position", "pk"))


def edit_session_for(*, order: Order, session_id: int) -> EditSession:
    """The session with its order and lines loaded once: the page, the preview and the choices share them."""
    session = EditSession.objects.select_related(*EDIT_JOINS).get(pk=session_id, order=order)
    prefetch_related_objects([session.order], EDIT_LINES)
    return session


# The edit's reads, written as SQL: the ORM took longer to build the session's join across the order,
# its customer's profile and group and its delivery than PostgreSQL took to run it. The session comes with
# its order, the customer's group discount and the refunds still open on it, which the preview prices and
# settles with; the lines with their variants and products.
# The shopper's own session on their own order: session.id, o.number, o.customer_id, session.actor_id.
MY_SESSION = "session.id = %s AND o.number = %s AND o.customer_id = %s AND session.actor_id = %s"
SESSION_SQL = f"""
    SELECT {rows.columns(EditSession, "session")} FROM editing_editsession session
    JOIN orders_order o ON o.id = session.order_id WHERE {MY_SESSION}"""  # noqa: S608 - the models' columns (core.rows.columns); values as parameters
PREVIEW_SQL = f"""
    SELECT {rows.columns(EditSession, "session")}, {rows.columns(Order, "o")}, grp.discount_percent, (
        SELECT COALESCE(sum(refund.amount), 0) FROM orders_transaction refund
        WHERE refund.order_id = o.id AND refund.kind = %s AND refund.status = ANY(%s)
    )
    FROM editing_editsession session JOIN orders_order o ON o.id = session.order_id {GROUP_DISCOUNT_JOIN}
    WHERE {MY_SESSION}"""  # noqa: S608 - the models' columns (core.rows.columns); values as parameters
PREVIEW_LINES_SQL = f"""
    SELECT {rows.columns(OrderLine, "line")}, {rows.columns(Variant, "variant")}, {rows.columns(Product, "product")}
    FROM orders_orderline line
    LEFT JOIN storefront_variant variant ON variant.id = line.variant_id
    LEFT JOIN storefront_product product ON product.id = variant.product_id
    WHERE line.order_id = %s ORDER BY line.position, line.id"""  # noqa: S608 - the models' columns (core.rows.columns); values as parameters


def customer_edit_session(*, user, number: int, session_id: int, with_order: bool = True) -> EditSession:
    """The shopper's own edit of their own order, by default with its order and lines (each with its
    variant and product) for the preview, in two queries; 404 for anyone else's. ``with_order=False``
    for writes, which lock and reload what they need (one query)."""
    mine = [session_id, number, user.pk, user.pk]
    if not with_order:
        found = rows.instances(EditSession, SESSION_SQL, mine)
        if not found:
            raise Http404
        return found[0]
    refunds = [TransactionKind.REFUND, [str(status) for status in OPEN_REFUND_STATUSES]]
    found = rows.read(PREVIEW_SQL, [*refunds, *mine], EditSession, Order)
    if not found:
        raise Http404
    session, order, order.group_discount_percent, order.open_refunds = found[0]
    session.order = with_delivery(order)
    lines = []
    for line, variant, product in rows.read(PREVIEW_LINES_SQL, [order.pk], OrderLine, Variant, Product):
        if variant is not None:
            Variant.product.field.set_cached_value(variant, product)
            OrderLine.variant.field.set_cached_value(line, variant)
        lines.append(line)
    as_prefetched(order, "lines", lines)
    return session


def swap_choices(order: Order) -> dict[int, list[Variant]]:
    """For each product on the order, its variants on sale (one query for all lines)."""
    product_ids = {line.variant.product_id for line in order.lines.all() if line.variant}
    choices: dict[int, list[Variant]] = {}
    for variant in Variant.objects.filter(product_id__in=product_ids, product__is_active=True, is_fee=False).order_by(
        "position", "pk"
    ):
        choices.setdefault(variant.product_id, []).append(variant)
    return choices


def search_catalog(query: str) -> list[Variant]:
    return search_variants(query, limit=SEARCH_LIMIT)


def delivery_choices() -> tuple[list[ShippingMethod], list[PickupLocation]]:
    return list(ShippingMethod.objects.filter(is_active=True)), list(PickupLocation.objects.filter(is_active=True))


def address_book(user) -> list[Address]:
    return list(Address.objects.filter(user=user).order_by("-is_default", "pk"))
