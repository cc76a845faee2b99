"""Committing an edit: under the order's lock, the staged changes are checked again (policy, rules, stock,
a delivery rate), the plan is rebuilt from the locked rows (never from a preview's figures) and written
to the order's lines and totals as a new version, with its timeline event and a restore point for an
undo; then the balance is settled (a refund or a Pay now request) and the shopper, and the merchant when
a shopper acted, are told. A session is committed at most once, against the content version it was staged
on (bookkeeping since, such as a refund landing, doesn't conflict: the settlement reads the money now).
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
from core.reasons import Reason, ReasonCode
from editing import settlement
from editing.calculations import REMOVED, SWAPPED, PlannedLine
from editing.constants import SessionStatus
from editing.eligibility import edit_refusals, is_staff_actor, policy_view, raise_refusal
from editing.errors import EditError
from editing.models import EditPolicy, EditSession
from editing.plan import GROUP_DISCOUNT_JOIN, BuiltEdit, build_edit, load_variants, staged_refusal
from editing.presentation import change_records
from editing.staged import StagedChanges
from editing.staging import ensure_open
from notifications.constants import MessageKind
from notifications.services import notify
from orders import events
from orders import services as order_services
from orders.calculations import LineAmounts
from orders.constants import ActorKind, MoneySource, OrderTag
from orders.lines import VARIANT_FIELDS, new_order_line
from orders.models import Order, OrderLine
from orders.services import Settlement
from storefront.models import StoreSettings, Variant
from storefront.selectors import with_delivery

# The commit's locking reads, written as SQL: the ORM took longer to build the order's join through its
# customer's profile to the group discount than PostgreSQL took to run it, on every commit. The edit
# policy comes with the order, read fresh in the same statement that locks it.
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


def _snapshot(order: Order, lines) -> dict:
    return {
        "lines": [
            {
                "id": line.pk,
                "variant_id": line.variant_id,
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


def _changes(order: Order, built: BuiltEdit, staged: StagedChanges) -> list[dict]:
    """The edit's change records (``editing.presentation.change_records``), names in the order's language."""
    delivery = staged.delivery is not None
    with translation.override(order.language):
        return change_records(
            built.plan.lines,
            address=built.destination.address if staged.address is not None and not built.destination.pickup else None,
            method=built.destination.method if delivery else None,
            pickup=built.destination.pickup if delivery else None,
        )


@dataclass
class CommitResult:
    order: Order
    settlement: Settlement


def commit_edit(
    *,
    session_id: int,
    actor_kind: ActorKind,
    actor: User | None = None,
    reason: Reason | str = "",
    order_id: int | None = None,
) -> CommitResult:
    """Apply the staged changes to the order, atomically and at most once, against the content version they were
    staged on. ``order_id``: the session's order, when the caller has read the session already. ``reason``: a
    code and a note (core.reasons), if any; free text is an "other" note."""
    reason = Reason.of(reason)
    staff = is_staff_actor(actor_kind)
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
        session = _lock_session(session_id, order)
        staged = session.staged_changes
        if not staged.has_changes:
            raise EditError(_("There is nothing to change yet."), code="no_changes")
        lines = rows.instances(OrderLine, LOCK_LINES_SQL, [order.pk])
        refusals = edit_refusals(order=order, actor_kind=actor_kind, lines=lines, policy=policy)
        if refusals:
            raise_refusal(refusals[0])
        variants = load_variants(order=order, lines=lines, staged=staged, lock=True)
        if refusal := staged_refusal(
            order=order, lines=lines, staged=staged, variants=variants, policy=policy_view(policy), staff=staff
        ):
            raise_refusal(refusal)
        built = build_edit(order=order, lines=lines, staged=staged, variants=variants)
        before = _snapshot(order, lines)
        restore = settlement.restore_point(order, lines)
        left_due = settlement.unrequested_due(order)  # before the change: it asks only for its difference
        after_lines = _apply_lines(order, lines, built)
        _apply_order(order, built, staged, after_lines, staff=staff)
        after = _snapshot(order, after_lines)
        delta = order.total - Decimal(before["total"])
        changes = _changes(order, built, staged)
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
        # The money figures are the locked row's and the rows its lock guards (never the preview's): a refund
        # or payment recorded since the session was staged is settled against as it is now.
        settled = settlement.settle_order(
            order=order,
            source=MoneySource.EDIT,
            reason=reason.or_default(ReasonCode.ORDER_EDITED),
            policy=policy,
            actor_kind=actor_kind,
            actor=actor,
            leave_due=left_due,
        )
        session.status, session.committed_at = SessionStatus.COMMITTED, timezone.now()
        session.committed_version, session.restore_point = order.version, restore
        session.payment_request = settled.payment_request
        fields = ["status", "committed_at", "committed_version", "restore_point", "payment_request", "updated_at"]
        session.save(update_fields=fields)
        _notify_edit(order, session, after, delta, settled, policy, actor_kind, changes)
    return CommitResult(order=order, settlement=settled)


def _lock_session(session_id: int, order: Order) -> EditSession:
    """Lock the session of ``order`` (already locked by the caller, so not read again) and check it is open
    on the order's current content version."""
    # A session of another order is none of this one's.
    found = rows.instances(EditSession, LOCK_SESSION_SQL, [session_id, order.pk])
    if not found:
        raise EditSession.DoesNotExist
    session = found[0]
    session.order = order
    ensure_open(session)
    return session


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
                # Now a line of another variant: it takes that variant's names and flags as a new line would.
                fresh = _line_of(order, built, planned, position=line.position)
                values.update({field: getattr(fresh, field) for field in VARIANT_FIELDS})
            # Only what differs is written: an edit of one line leaves the others' rows alone.
            differs = {field for field, value in values.items() if getattr(line, field) != value}
            for field in differs:
                setattr(line, field, values[field])
            if differs:
                changed.append(line)
                changed_fields |= differs
            continue
        position += 1
        added.append(_line_of(order, built, planned, position=position))
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


def _line_of(order: Order, built: BuiltEdit, planned: PlannedLine, *, position: int) -> OrderLine:
    """The planned line as a new line of its variant, made by the factory checkout uses."""
    return new_order_line(
        order=order,
        variant=_new_variant(built, planned),
        quantity=planned.quantity,
        priced=planned.as_input(),
        amounts=LineAmounts(subtotal=planned.subtotal, discount=planned.discount, tax=planned.tax, total=planned.total),
        position=position,
    )


def _new_variant(built: BuiltEdit, planned: PlannedLine) -> Variant:
    """The variant a swapped or added line is to be of: the plan names one for those (a line kept as it was
    may have lost its variant)."""
    if planned.variant_id is None:
        raise KeyError(planned.variant_id)  # not reached; what ``built.variants[None]`` would raise
    return built.variants[planned.variant_id]


def _apply_order(order: Order, built: BuiltEdit, staged: StagedChanges, lines: list[OrderLine], *, staff: bool) -> None:
    totals = built.plan.priced_totals
    order.subtotal, order.discount_total = totals.subtotal, totals.discount
    order.shipping_total, order.tax_total, order.total = totals.shipping, totals.tax, totals.total
    fields = ["subtotal", "discount_total", "shipping_total", "shipping_tax_rate", "tax_total", "total", "tags"]
    order.shipping_tax_rate = built.shipping_tax_rate
    if staged.address is not None:
        order.shipping_address = built.destination.address
        order.address_changes += 1
        fields += ["shipping_address", "address_changes"]
    if staged.delivery is not None:
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
            {
                "name": line["name"],
                "variant_id": line["variant_id"],
                "quantity": line["quantity"],
                "total": line["total"],
            }
            for line in after["lines"]
        ],
        "to_pay": str(settlement.payment_request.amount) if settlement.payment_request else "",
        "still_due": str(settlement.left_due) if settlement.left_due else "",  # owed before; this edit didn't ask it
        "to_refund": str(settlement.refund_amount) if settlement.refunds else "",
        "refund_waits_for_approval": settlement.refund_awaits_approval,
        "by_staff": actor_kind == ActorKind.STAFF,
    }
    tell_shopper_and_merchant(
        order,
        policy,
        actor_kind,
        context,
        shopper_kind=MessageKind.ORDER_EDITED,
        merchant_kind=MessageKind.MERCHANT_ORDER_EDITED,
        key=f"order:{order.pk}:edit:{session.pk}",
    )


def tell_shopper_and_merchant(order, policy, actor_kind, context, *, shopper_kind, merchant_kind, key) -> None:
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
