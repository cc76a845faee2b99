"""Editing an order: begin → stage → preview → commit, and cancellation by the shopper.

Edits change the original order (never cancel-and-recreate). Preview and commit share one plan
(``editing.calculations``); commit recomputes it under the order's lock and never trusts figures
from the preview.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core import rows
from core.money import ZERO
from editing import rules, settlement
from editing.calculations import (
    REMOVED,
    SWAPPED,
    UNCHANGED,
    CatalogVariant,
    CurrentLine,
    EditPlan,
    plan_lines,
    price_plan,
)
from editing.constants import ChangeType, SessionStatus
from editing.errors import EditConflict, EditError
from editing.models import EditPolicy, EditSession
from notifications.constants import MessageKind
from notifications.services import notify
from orders import events
from orders import services as order_services
from orders.constants import ActorKind, MoneySource, OrderTag, RiskLevel
from orders.models import Order, OrderLine
from orders.quotes import PricingContext, rate_shipping
from orders.services.refunds import check_refund_limit, money_in_hand
from orders.services.settlement import Settlement
from storefront.models import PickupLocation, ShippingMethod, StoreSettings, Variant
from storefront.pricing import CustomerPricing
from storefront.selectors import tax_rate_for, variants_with_products, with_delivery

# The commit's locking reads, written as SQL: the ORM took longer to build the order's join through its
# customer's profile to the group discount than PostgreSQL took to run it, on every commit. The edit
# policy comes with the order, read fresh in the same statement that locks it.
# The order's (``o``) customer group, for ``grp.discount_percent``: the commit's and the preview's reads.
GROUP_DISCOUNT_JOIN = """
    LEFT JOIN accounts_customerprofile profile ON profile.user_id = o.customer_id
    LEFT JOIN accounts_customergroup grp ON grp.id = profile.group_id"""
LOCK_ORDER_SQL = f"""
    SELECT {rows.columns(Order, "o")}, {rows.columns(EditPolicy, "policy")}, grp.discount_percent
    FROM orders_order o {GROUP_DISCOUNT_JOIN}
    LEFT JOIN LATERAL (SELECT * FROM editing_editpolicy ORDER BY id LIMIT 1) policy ON true
    WHERE o.id = %s FOR UPDATE OF o"""  # noqa: S608 - the models' columns (core.rows.columns); values as parameters
LOCK_SESSION_SQL = f"""
    SELECT {rows.columns(EditSession, "session")} FROM editing_editsession session
    WHERE session.id = %s AND session.order_id = %s FOR UPDATE"""  # noqa: S608 - the models' columns (core.rows.columns); values as parameters
LOCK_LINES_SQL = f"""
    SELECT {rows.columns(OrderLine, "line")} FROM orders_orderline line
    WHERE line.order_id = %s ORDER BY line.id FOR UPDATE"""  # noqa: S608 - the models' columns (core.rows.columns); values as parameters

EMPTY_STAGE = {"quantities": {}, "swaps": {}, "additions": {}, "address": None, "delivery": None}
ADDRESS_FIELDS = ("name", "company", "line1", "line2", "city", "region", "postal_code", "country", "phone")


def _is_staff(actor_kind: str) -> bool:
    """Staff and integrations (the store's own systems) may pass the customer-only limits."""
    return actor_kind in (ActorKind.STAFF, ActorKind.INTEGRATION)


def _raise(refusal: rules.Refusal, error=EditError):
    raise error(refusal.message, code=refusal.code)


# --- snapshots for the pure rules ------------------------------------------------------------------


def policy_view(policy: EditPolicy) -> rules.PolicyView:
    allowed = {
        ChangeType.ADDRESS: policy.allow_address,
        ChangeType.DELIVERY: policy.allow_delivery,
        ChangeType.SWAP: policy.allow_swap,
        ChangeType.ADD: policy.allow_add,
        ChangeType.REMOVE: policy.allow_remove,
        ChangeType.QUANTITY: policy.allow_quantity,
        ChangeType.CANCEL: policy.allow_cancel,
    }
    return rules.PolicyView(
        enabled=policy.enabled,
        allowed=frozenset(kind for kind, on in allowed.items() if on),
        lock_discounted_orders=policy.lock_discounted_orders,
        max_quantity_increase=policy.max_quantity_increase,
        address_same_country_only=policy.address_same_country_only,
        max_address_changes=policy.max_address_changes,
        block_address_change_high_risk=policy.block_address_change_high_risk,
        monthly_edit_allowance=policy.monthly_edit_allowance,
    )


def order_view(order: Order, lines: list[OrderLine], product_ids: dict[int, int]) -> rules.OrderView:
    return rules.OrderView(
        cancelled=order.cancelled_at is not None,
        archived=order.archived_at is not None,
        edit_window_ends_at=order.edit_window_ends_at,
        discount_code=order.discount_code,
        high_risk=order.risk_level == RiskLevel.HIGH,
        country=(order.shipping_address or {}).get("country", ""),
        is_pickup=order.pickup_location_id is not None,
        address_changes=order.address_changes,
        lines=tuple(
            rules.LineView(
                id=line.pk,
                product_id=product_ids.get(line.variant_id),
                quantity=line.quantity,
                fulfilled_quantity=line.fulfilled_quantity,
                is_free=line.is_free,
                is_fee=line.is_fee,
                is_custom=line.is_custom,
                customization=line.customization,
            )
            for line in lines
        ),
    )


def customer_edits_this_month(now=None) -> int:
    now = timezone.localtime(now or timezone.now())
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return EditSession.objects.filter(
        actor_kind=ActorKind.CUSTOMER, status=SessionStatus.COMMITTED, committed_at__gte=month_start
    ).count()


def edit_refusals(
    *, order: Order, actor_kind: str, lines: list[OrderLine] | None = None, policy: EditPolicy | None = None
) -> list[rules.Refusal]:
    """Why this actor can't edit this order now (empty: they can). For the order page's "Edit order"."""
    lines = list(order.lines.all()) if lines is None else lines
    return refusals_for(order_view(order, lines, {}), actor_kind=actor_kind, policy=policy)[0]


def refusals_for(
    view: rules.OrderView, *, actor_kind: str, policy: EditPolicy | None = None
) -> tuple[list[rules.Refusal], list[rules.Refusal]]:
    """(why not edit, why not cancel) for an order snapshot, as of now: the order page keeps the snapshot
    per order version, while the window, the policy and the month's allowance are read fresh."""
    staff = _is_staff(actor_kind)
    policy = policy or EditPolicy.load()
    counted = not staff and policy.monthly_edit_allowance is not None  # the count is a query: only when it matters
    rules_policy, now = policy_view(policy), timezone.now()
    edit = rules.order_refusals(
        view,
        rules_policy,
        staff=staff,
        now=now,
        edits_this_month=customer_edits_this_month() if counted else 0,
    )
    return edit, rules.cancel_refusals(view, rules_policy, staff=staff, now=now)


# --- the plan: everything preview and commit compute -------------------------------------------------


@dataclass
class Destination:
    method: ShippingMethod | None
    pickup: PickupLocation | None
    address: dict
    country: str
    region: str


@dataclass
class BuiltEdit:
    plan: EditPlan
    destination: Destination
    variants: dict[int, Variant]
    shipping_tax_rate: Decimal


def _destination(order: Order, staged: dict) -> Destination:
    delivery = staged.get("delivery") or {}
    method, pickup = order.shipping_method, order.pickup_location
    if delivery.get("method"):
        method, pickup = ShippingMethod.objects.filter(pk=delivery["method"], is_active=True).first(), None
        if method is None:
            raise EditError(_("That delivery option is not available."), code="unknown_delivery")
    elif delivery.get("pickup"):
        method, pickup = None, PickupLocation.objects.filter(pk=delivery["pickup"], is_active=True).first()
        if pickup is None:
            raise EditError(_("That delivery option is not available."), code="unknown_delivery")
    address = staged.get("address") or order.shipping_address or {}
    if method is not None and not address.get("country"):
        raise EditError(
            _("Add a shipping address for delivery."), code="no_address", fields={"address": [_("Required.")]}
        )
    if pickup is not None:
        return Destination(method=None, pickup=pickup, address={}, country=str(pickup.country), region="")
    return Destination(
        method=method, pickup=None, address=address, country=address["country"], region=address.get("region", "")
    )


def _original_place(order: Order) -> tuple[str, str]:
    if order.pickup_location_id:
        return str(order.pickup_location.country), ""
    address = order.shipping_address or {}
    return address.get("country", ""), address.get("region", "")


def load_variants(*, order: Order, lines: list[OrderLine], staged: dict, lock: bool = False) -> dict[int, Variant]:
    """The variants an edit touches (its lines', swap targets, additions). ``lock`` (commit) locks them in
    primary-key order, so concurrent edits and orders moving the same stock can't deadlock."""
    wanted = {line.variant_id for line in lines if line.variant_id}
    wanted |= {int(v) for v in staged["swaps"].values()} | {int(v) for v in staged["additions"]}
    # Read with the lines already (the preview's), unless they are to be locked here.
    variants = {} if lock else {line.variant_id: line.variant for line in lines if _variant_read_with(line)}
    variants.update(variants_with_products(wanted - variants.keys(), lock=lock))
    with translation.override(order.language):
        # Names are read in the order's language, as they are frozen onto its lines.
        for variant in variants.values():
            variant.display_product_name, variant.display_name = variant.product.name, variant.name
    return variants


def _variant_read_with(line: OrderLine) -> bool:
    return bool(line.variant_id) and OrderLine.variant.is_cached(line) and Variant.product.is_cached(line.variant)


def group_discount_of(order: Order) -> Decimal:
    """The shopper's group discount: read with the order (``group_discount_percent``) or through its customer."""
    if hasattr(order, "group_discount_percent"):
        return order.group_discount_percent or ZERO
    profile = getattr(order.customer, "profile", None)
    return profile.group.discount_percent if profile is not None and profile.group_id else ZERO


def build_edit(*, order: Order, lines: list[OrderLine], staged: dict, variants: dict[int, Variant]) -> BuiltEdit:
    """The order after the staged changes: lines, totals, shipping and tax for the new destination, stock."""
    catalog = {
        pk: CatalogVariant(
            id=pk,
            product_id=v.product_id,
            product_name=v.display_product_name,
            name=v.display_name,
            price=v.price,
            weight_grams=v.weight_grams,
            is_fee=v.is_fee,
        )
        for pk, v in variants.items()
    }
    destination = _destination(order, staged)
    original_country, original_region = _original_place(order)
    # Tax is re-rated only when the goods go somewhere else; otherwise kept lines keep the rate they were sold at.
    retax = (destination.country, destination.region.lower()) != (original_country, original_region.lower())
    group_discount = group_discount_of(order)
    ctx = PricingContext(
        currency=order.currency,
        prices_include_tax=order.prices_include_tax,
        customer=CustomerPricing(group_discount_percent=group_discount, tax_exempt=order.tax_exempt),
        discount_percent=order.discount_percent,
        tax_rate=tax_rate_for(country=destination.country, region=destination.region),
    )
    current = [
        CurrentLine(
            id=line.pk,
            variant_id=line.variant_id,
            product_name=line.product_name,
            variant_name=line.variant_name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            total=line.total,
            discountable=not (line.is_free or line.is_fee),
            weight_grams=variants[line.variant_id].weight_grams if line.variant_id in variants else 0,
        )
        for line in lines
    ]
    plan = plan_lines(
        current=current,
        quantities={int(k): v for k, v in staged["quantities"].items()},
        swaps={int(k): int(v) for k, v in staged["swaps"].items()},
        additions={int(k): v for k, v in staged["additions"].items()},
        variants=catalog,
        ctx=ctx,
        retax=retax,
    )
    if not plan.kept:
        raise EditError(_("An order needs at least one item. To stop the order, cancel it instead."), code="no_lines")
    shipping, shipping_tax_rate = ZERO, ZERO
    if destination.method is not None:
        rated = rate_shipping(
            method=destination.method,
            country=destination.country,
            lines=[line.as_input() for line in plan.kept],
            weight_grams=plan.weight_grams,
            ctx=ctx,
        )
        if rated is None:
            raise EditError(
                _("%(method)s does not deliver to this address.") % {"method": destination.method.name},
                code="no_shipping_rate",
                fields={"address": [_("We can't deliver here.")]},
            )
        shipping, shipping_tax_rate = rated
    price_plan(plan, ctx=ctx, shipping=shipping, shipping_tax_rate=shipping_tax_rate)
    for variant_id, extra in plan.variant_deltas.items():
        variant = variants.get(variant_id)
        if extra > 0 and variant is not None and not variant.in_stock(extra):
            raise EditError(
                _("Only %(count)s more of %(item)s in stock.") % {"count": max(variant.stock, 0), "item": variant},
                code="out_of_stock",
            )
    return BuiltEdit(plan=plan, destination=destination, variants=variants, shipping_tax_rate=shipping_tax_rate)


def staged_refusal(
    *,
    order: Order,
    lines: list[OrderLine],
    staged: dict,
    variants: dict[int, Variant],
    policy: rules.PolicyView,
    staff: bool,
) -> rules.Refusal | None:
    """The first rule the staged changes break, if any."""
    product_ids = {pk: v.product_id for pk, v in variants.items()}
    view = order_view(order, lines, product_ids)
    for line_id, quantity in staged["quantities"].items():
        if refusal := rules.quantity_refusal(view, policy, line_id=int(line_id), quantity=quantity, staff=staff):
            return refusal
    for line_id, variant_id in staged["swaps"].items():
        target = variants.get(int(variant_id))
        if refusal := rules.swap_refusal(
            view, policy, line_id=int(line_id), target_product_id=target.product_id if target else None, staff=staff
        ):
            return refusal
        if target is not None and not target.product.is_active:
            return rules.Refusal("not_for_sale", _("This item can't be added."))
    for variant_id, quantity in staged["additions"].items():
        variant = variants.get(int(variant_id))
        if refusal := rules.addition_refusal(
            policy,
            quantity=quantity,
            on_sale=variant is not None and variant.product.is_active,
            is_fee=variant is not None and variant.is_fee,
            staff=staff,
        ):
            return refusal
    if staged["address"] is not None and (
        refusal := rules.address_refusal(view, policy, country=staged["address"].get("country", ""), staff=staff)
    ):
        return refusal
    if staged["delivery"] is not None and (
        refusal := rules.delivery_refusal(view, policy, available=True, staff=staff)  # existence checked by build_edit
    ):
        return refusal
    return None


# --- sessions and staging ---------------------------------------------------------------------------


def begin_edit(*, order: Order, actor_kind: str, actor: User | None = None) -> EditSession:
    """Open (or reuse) this actor's edit session on the order's current version; refuse with the reason."""
    refusals = edit_refusals(order=order, actor_kind=actor_kind)
    if refusals:
        _raise(refusals[0])
    with transaction.atomic():
        # Lock order: the order row, then its sessions (the same order commit_edit takes them in).
        Order.objects.select_for_update().filter(pk=order.pk).values_list("pk", flat=True).get()
        session = (
            EditSession.objects.select_for_update()
            .filter(order=order, actor=actor, actor_kind=actor_kind, status=SessionStatus.OPEN)
            .order_by("pk")
            .first()
        )
        if session is not None and session.base_version == order.version:
            return session
        if session is not None:
            session.status = SessionStatus.ABANDONED
            session.save(update_fields=["status", "updated_at"])
        return EditSession.objects.create(
            order=order, base_version=order.version, actor_kind=actor_kind, actor=actor, staged=dict(EMPTY_STAGE)
        )


def _open_session(session_id: int, order: Order | None = None) -> tuple[EditSession, Order]:
    """Lock the session and check it is open on the order's current version. ``order``: already locked
    by the caller (commit), so not read again."""
    if order is None:
        session = EditSession.objects.select_for_update(of=("self",)).select_related("order").get(pk=session_id)
    else:
        # A session of another order is none of this one's.
        found = rows.instances(EditSession, LOCK_SESSION_SQL, [session_id, order.pk])
        if not found:
            raise EditSession.DoesNotExist
        session = found[0]
        session.order = order
    if session.status == SessionStatus.COMMITTED:
        raise EditError(_("These changes were already confirmed."), code="already_committed")
    if session.status != SessionStatus.OPEN:
        raise EditError(_("This edit was closed. Please start again."), code="session_closed")
    order = session.order
    if order.version != session.base_version:
        raise EditConflict(
            _("This order changed since you started editing. Please review it and start again."),
            code="version_conflict",
        )
    return session, order


def _stage(session_id: int, mutate) -> EditSession:
    """Apply one staged change, then prove the whole set still works (rules, stock, a delivery rate)."""
    with transaction.atomic():
        session, order = _open_session(session_id)
        staged = {**EMPTY_STAGE, **session.staged}
        staged = {key: (dict(value) if isinstance(value, dict) else value) for key, value in staged.items()}
        mutate(staged, order)
        lines = list(order.lines.all())
        variants = load_variants(order=order, lines=lines, staged=staged)
        refusal = staged_refusal(
            order=order,
            lines=lines,
            staged=staged,
            variants=variants,
            policy=policy_view(EditPolicy.load()),
            staff=_is_staff(session.actor_kind),
        )
        if refusal:
            _raise(refusal)
        build_edit(order=order, lines=lines, staged=staged, variants=variants)  # raises if stock or a rate is missing
        session.staged = staged
        session.save(update_fields=["staged", "updated_at"])
    return session


def stage_quantity(*, session_id: int, line_id: int, quantity: int) -> EditSession:
    def mutate(staged, order):
        line = order.lines.filter(pk=line_id).first()
        if line is None:
            raise EditError(_("That item is not on this order."), code="unknown_line")
        if quantity == line.quantity:
            staged["quantities"].pop(str(line_id), None)
        else:
            staged["quantities"][str(line_id)] = quantity

    return _stage(session_id, mutate)


def stage_swap(*, session_id: int, line_id: int, variant_id: int) -> EditSession:
    def mutate(staged, order):
        line = order.lines.filter(pk=line_id).first()
        if line is None:
            raise EditError(_("That item is not on this order."), code="unknown_line")
        if not Variant.objects.filter(pk=variant_id).exists():
            raise EditError(
                _("You can only switch to another size or colour of the same product."), code="swap_other_product"
            )
        if variant_id == line.variant_id:
            staged["swaps"].pop(str(line_id), None)
        else:
            staged["swaps"][str(line_id)] = variant_id

    return _stage(session_id, mutate)


def stage_addition(*, session_id: int, variant_id: int, quantity: int) -> EditSession:
    """Add ``quantity`` of a variant (0 takes a staged addition back out)."""

    def mutate(staged, order):
        if not Variant.objects.filter(pk=variant_id).exists():
            raise EditError(_("This item can't be added."), code="not_for_sale")
        if quantity == 0:
            staged["additions"].pop(str(variant_id), None)
        else:
            staged["additions"][str(variant_id)] = quantity

    return _stage(session_id, mutate)


def stage_address(*, session_id: int, address: dict) -> EditSession:
    clean = {field: str(address.get(field, "") or "").strip() for field in ADDRESS_FIELDS}

    def mutate(staged, order):
        staged["address"] = clean

    return _stage(session_id, mutate)


def stage_delivery(*, session_id: int, method_id: int | None = None, pickup_id: int | None = None) -> EditSession:
    if (method_id is None) == (pickup_id is None):
        raise EditError(_("Choose one way to receive the order."), code="no_delivery")

    def mutate(staged, order):
        staged["delivery"] = {"method": method_id} if method_id else {"pickup": pickup_id}
        if pickup_id:
            staged["address"] = None  # picked up: no address to change

    return _stage(session_id, mutate)


def reset_edit(*, session_id: int) -> EditSession:
    with transaction.atomic():
        session, _order = _open_session(session_id)
        session.staged = dict(EMPTY_STAGE)
        session.save(update_fields=["staged", "updated_at"])
    return session


def abandon_edit(*, session_id: int) -> None:
    EditSession.objects.filter(pk=session_id, status=SessionStatus.OPEN).update(status=SessionStatus.ABANDONED)


def has_changes(staged: dict) -> bool:
    return any(staged.get(key) for key in ("quantities", "swaps", "additions", "address", "delivery"))


# --- commit -----------------------------------------------------------------------------------------------


def _snapshot(order: Order, lines) -> dict:
    return {
        "lines": [
            {
                "id": line.pk,
                "sku": line.sku,
                "name": f"{line.product_name} {line.variant_name}".strip(),
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "total": str(line.total),
            }
            for line in lines
        ],
        "subtotal": str(order.subtotal),
        "discount": str(order.discount_total),
        "shipping": str(order.shipping_total),
        "tax": str(order.tax_total),
        "total": str(order.total),
        "shipping_address": order.shipping_address,
        "shipping_method": order.shipping_method_name,
        "pickup": order.pickup_location_id,
    }


def _changes(plan: EditPlan, staged: dict) -> list[dict]:
    changes = [
        {
            "type": line.change,
            "item": f"{line.product_name} {line.variant_name}".strip(),
            "from": line.before_quantity,
            "to": line.quantity,
        }
        for line in plan.lines
        if line.change != UNCHANGED
    ]
    if staged["address"] is not None:
        changes.append({"type": "address"})
    if staged["delivery"] is not None:
        changes.append({"type": "delivery"})
    return changes


@dataclass
class CommitResult:
    order: Order
    settlement: Settlement


def commit_edit(
    *, session_id: int, actor_kind: str, actor: User | None = None, reason: str = "", order_id: int | None = None
) -> CommitResult:
    """Apply the staged changes to the order, atomically and at most once, against the version they were staged on.
    ``order_id``: the session's order, when the caller has read the session already."""
    staff = _is_staff(actor_kind)
    with transaction.atomic():
        # Order first, then session, then lines and variants: one lock order for every writer.
        if order_id is None:
            order_id = EditSession.objects.values_list("order_id", flat=True).get(pk=session_id)
        found = rows.read(LOCK_ORDER_SQL, [order_id], Order, EditPolicy)
        if not found:
            raise Order.DoesNotExist
        order, policy, order.group_discount_percent = found[0]
        order = with_delivery(order)
        policy = policy or EditPolicy.load()  # none yet: made with its defaults
        session, _unused = _open_session(session_id, order)
        staged = {**EMPTY_STAGE, **session.staged}
        if not has_changes(staged):
            raise EditError(_("There is nothing to change yet."), code="no_changes")
        lines = rows.instances(OrderLine, LOCK_LINES_SQL, [order.pk])
        refusals = edit_refusals(order=order, actor_kind=actor_kind, lines=lines, policy=policy)
        if refusals:
            _raise(refusals[0])
        variants = load_variants(order=order, lines=lines, staged=staged, lock=True)
        if refusal := staged_refusal(
            order=order, lines=lines, staged=staged, variants=variants, policy=policy_view(policy), staff=staff
        ):
            _raise(refusal)
        built = build_edit(order=order, lines=lines, staged=staged, variants=variants)
        before = _snapshot(order, lines)
        restore = settlement.restore_point(order, lines)
        after_lines = _apply_lines(order, lines, built)
        _apply_order(order, built, staged, after_lines, staff=staff)
        after = _snapshot(order, after_lines)
        delta = order.total - Decimal(before["total"])
        changes = _changes(built.plan, staged)
        events.order_edited_event(
            order=order,
            before=before,
            after=after,
            changes=changes,
            delta=str(delta),
            reason=reason,
            actor_kind=actor_kind,
            actor=actor,
        )
        settled = settlement.settle_order(
            order=order,
            source=MoneySource.EDIT,
            reason=reason or _("Order #%(number)s edited") % {"number": order.number},
            policy=policy,
            actor_kind=actor_kind,
            actor=actor,
        )
        session.status, session.committed_at = SessionStatus.COMMITTED, timezone.now()
        session.committed_version, session.restore_point = order.version, restore
        session.payment_request = settled.payment_request
        fields = ["status", "committed_at", "committed_version", "restore_point", "payment_request", "updated_at"]
        session.save(update_fields=fields)
        _notify_edit(order, session, after, delta, settled, policy, actor_kind, changes)
    return CommitResult(order=order, settlement=settled)


def _apply_lines(order: Order, lines: list[OrderLine], built: BuiltEdit) -> list[OrderLine]:
    """Write the planned lines; return the order's lines as they now are (the locked rows, changed in place)."""
    by_id = {line.pk: line for line in lines}
    changed, changed_fields, removed, added = [], set(), set(), []
    position = max((line.position for line in lines), default=0)
    for planned in built.plan.lines:
        if planned.line_id is not None and planned.change == REMOVED:
            removed.add(planned.line_id)
            continue
        if planned.line_id is not None:
            line = by_id[planned.line_id]
            values = {
                "quantity": planned.quantity,
                "unit_price": planned.unit_price,
                "tax_rate": planned.tax_rate,
                "subtotal": planned.subtotal,
                "discount_amount": planned.discount,
                "tax_amount": planned.tax,
                "total": planned.total,
            }
            if planned.change == SWAPPED:
                variant = built.variants[planned.variant_id]
                values.update(
                    variant_id=variant.pk, sku=variant.sku, options=variant.options, variant_name=planned.variant_name
                )
            # Only what differs is written: an edit of one line leaves the others' rows alone.
            differs = {field for field, value in values.items() if getattr(line, field) != value}
            for field in differs:
                setattr(line, field, values[field])
            if differs:
                changed.append(line)
                changed_fields |= differs
            continue
        variant = built.variants[planned.variant_id]
        position += 1
        added.append(
            OrderLine(
                order=order,
                variant=variant,
                product_name=planned.product_name,
                variant_name=planned.variant_name,
                sku=variant.sku,
                options=variant.options,
                quantity=planned.quantity,
                unit_price=planned.unit_price,
                tax_rate=planned.tax_rate,
                subtotal=planned.subtotal,
                discount_amount=planned.discount,
                tax_amount=planned.tax,
                total=planned.total,
                is_fee=variant.is_fee,
                position=position,
            )
        )
    if removed:
        OrderLine.objects.filter(pk__in=removed, fulfilled_quantity=0).delete()
    kept = [line for line in lines if line.pk not in removed or line.fulfilled_quantity]
    if changed:
        rows.update(changed, sorted(changed_fields))
    if added:
        OrderLine.objects.bulk_create(added)
    for variant_id in sorted(built.plan.variant_deltas):
        Variant.objects.filter(pk=variant_id, track_inventory=True).update(
            stock=F("stock") - built.plan.variant_deltas[variant_id]
        )
    return sorted([*kept, *added], key=lambda line: (line.position, line.pk))


def _apply_order(order: Order, built: BuiltEdit, staged: dict, lines: list[OrderLine], *, staff: bool) -> None:
    totals = built.plan.totals
    order.subtotal, order.discount_total = totals.subtotal, totals.discount
    order.shipping_total, order.tax_total, order.total = totals.shipping, totals.tax, totals.total
    fields = ["subtotal", "discount_total", "shipping_total", "shipping_tax_rate", "tax_total", "total", "tags"]
    order.shipping_tax_rate = built.shipping_tax_rate
    if staged["address"] is not None:
        order.shipping_address = built.destination.address
        order.address_changes += 1
        fields += ["shipping_address", "address_changes"]
    if staged["delivery"] is not None:
        order.shipping_method, order.pickup_location = built.destination.method, built.destination.pickup
        order.shipping_method_name = built.destination.method.name if built.destination.method else ""
        if built.destination.pickup is not None:
            order.shipping_address = {}
        fields += ["shipping_method", "pickup_location", "shipping_method_name", "shipping_address"]
    tag = OrderTag.EDITED_BY_STAFF if staff else OrderTag.EDITED_BY_CUSTOMER
    if tag not in order.tags:
        order.tags = [*order.tags, tag]
    order_services.save_revised_order(order=order, fields=list(dict.fromkeys(fields)), lines=lines)


def _notify_edit(order, session, after, delta, settlement, policy, actor_kind, changes) -> None:
    context = {
        "changes": changes,
        "order_number": order.number,
        "currency": order.currency,
        "total": str(order.total),
        "delta": str(delta),
        "lines": [
            {"name": line["name"], "quantity": line["quantity"], "total": line["total"]} for line in after["lines"]
        ],
        "to_pay": str(settlement.payment_request.amount) if settlement.payment_request else "",
        "to_refund": str(settlement.refund_amount) if settlement.refunds else "",
        "refund_waits_for_approval": settlement.refund_awaits_approval,
        "by_staff": actor_kind == ActorKind.STAFF,
    }
    _tell_shopper_and_merchant(
        order,
        policy,
        actor_kind,
        context,
        shopper_kind=MessageKind.ORDER_EDITED,
        merchant_kind=MessageKind.MERCHANT_ORDER_EDITED,
        key=f"order:{order.pk}:edit:{session.pk}",
    )


def _tell_shopper_and_merchant(order, policy, actor_kind, context, *, shopper_kind, merchant_kind, key) -> None:
    """The shopper's confirmation in their language; the merchant's alert (in the store's) when a shopper acted."""
    notify(kind=shopper_kind, recipient=order.email, language=order.language, context=context, dedupe_key=key)
    store = StoreSettings.cached()
    if store.alert_email and actor_kind == ActorKind.CUSTOMER:
        notify(
            kind=merchant_kind,
            recipient=store.alert_email,
            language=store.language,
            context={**context, "admin_url": f"{settings.SITE_URL}/admin/orders/order/{order.pk}/change/"},
            dedupe_key=f"{key}:merchant",
        )


# --- cancellation by the shopper -------------------------------------------------------------------------


def cancel_refusals(
    *, order: Order, actor_kind: str, lines: list[OrderLine] | None = None, policy: EditPolicy | None = None
) -> list[rules.Refusal]:
    lines = list(order.lines.all()) if lines is None else lines
    return rules.cancel_refusals(
        order_view(order, lines, {}),
        policy_view(policy or EditPolicy.load()),
        staff=_is_staff(actor_kind),
        now=timezone.now(),
    )


def cancel_order(
    *, order: Order, actor_kind: str, actor: User | None = None, reason: str = "", refund: bool = True
) -> CommitResult:
    """Cancel the whole order (policy permitting): stock back, what was paid refunded, edits closed.

    Staff may cancel without refunding (``refund=False``): the money stays with the store.
    """
    policy = EditPolicy.load()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        refusals = cancel_refusals(order=order, actor_kind=actor_kind, policy=policy)
        if refusals:
            _raise(refusals[0])
        tags = (OrderTag.CANCELLED_BY_CUSTOMER,) if actor_kind == ActorKind.CUSTOMER else ()
        order = order_services.cancel_order(
            order=order, reason=reason, actor_kind=actor_kind, actor=actor, add_tags=tags
        )
        EditSession.objects.filter(order=order, status=SessionStatus.OPEN).update(status=SessionStatus.ABANDONED)
        if refund or not _is_staff(actor_kind):
            if _is_staff(actor_kind) and actor is not None:
                check_refund_limit(actor, money_in_hand(order))
                policy = settlement.staff_decided(policy)
            settled = settlement.settle_order(
                order=order,
                amount_due=ZERO,
                source=MoneySource.CANCELLATION,
                reason=reason or _("Order #%(number)s canceled") % {"number": order.number},
                policy=policy,
                actor_kind=actor_kind,
                actor=actor,
            )
        else:
            settled = settlement.withdraw_open_settlement(order=order)
        context = {
            "order_number": order.number,
            "currency": order.currency,
            "to_refund": str(settled.refund_amount) if settled.refunds else "",
            "refund_waits_for_approval": settled.refund_awaits_approval,
        }
        _tell_shopper_and_merchant(
            order,
            policy,
            actor_kind,
            context,
            shopper_kind=MessageKind.ORDER_CANCELLED,
            merchant_kind=MessageKind.MERCHANT_ORDER_CANCELLED,
            key=f"order:{order.pk}:cancelled",
        )
    return CommitResult(order=order, settlement=settled)
