"""Edit sessions and staging: ``begin_edit`` opens (or reuses) an actor's session on the order's current
content version (``Order.content_version``: bookkeeping such as a refund landing doesn't move it), each
``stage_*`` records one change and proves the whole staged set still works (rules, stock, a delivery rate)
before saving it, and ``reset_edit`` / ``abandon_edit`` clear or close the session. Only the session's
``staged`` changes are written here; the order changes when the session is committed (``editing.commit``),
which checks the session the same way (``ensure_open``).
"""

from __future__ import annotations

from dataclasses import replace

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from editing.constants import SessionStatus
from editing.eligibility import edit_refusals, is_staff_actor, policy_view, raise_refusal
from editing.errors import EditConflict, EditError
from editing.models import EditPolicy, EditSession
from editing.plan import build_edit, load_variants, staged_refusal
from editing.staged import EMPTY, Delivery, StagedChanges
from orders.models import Order
from storefront.models import Variant

ADDRESS_FIELDS = ("name", "company", "line1", "line2", "city", "region", "postal_code", "country", "phone")


def begin_edit(*, order: Order, actor_kind: str, actor: User | None = None) -> EditSession:
    """Open (or reuse) this actor's edit session on the order's current content version; refuse with the reason."""
    refusals = edit_refusals(order=order, actor_kind=actor_kind)
    if refusals:
        raise_refusal(refusals[0])
    with transaction.atomic():
        # Lock order: the order row, then its sessions (the same order commit_edit takes them in).
        # The content version read under the lock, not the caller's copy: a stale copy would open a session
        # that could only conflict.
        content_version = (
            Order.objects.select_for_update().filter(pk=order.pk).values_list("content_version", flat=True).get()
        )
        session = (
            EditSession.objects.select_for_update()
            .filter(order=order, actor=actor, actor_kind=actor_kind, status=SessionStatus.OPEN)
            .order_by("pk")
            .first()
        )
        if session is not None and session.base_content_version == content_version:
            return session
        if session is not None:
            session.status = SessionStatus.ABANDONED
            session.save(update_fields=["status", "updated_at"])
        return EditSession.objects.create(
            order=order,
            base_content_version=content_version,
            actor_kind=actor_kind,
            actor=actor,
            staged=EMPTY.to_json(),
        )


def ensure_open(session: EditSession) -> None:
    """Refuse a session that is closed, or open on an older content version of its order (``session.order``):
    its lines, totals, destination, shipments, status or hold changed. Bookkeeping bumps only ``version``
    (page caches), so a refund landing or a payment recorded since leaves the session valid; commit then
    re-checks the rules and settles with the money figures it reads under the order's lock."""
    if session.status == SessionStatus.COMMITTED:
        raise EditError(_("These changes were already confirmed."), code="already_committed")
    if session.status != SessionStatus.OPEN:
        raise EditError(_("This edit was closed. Please start again."), code="session_closed")
    if session.order.content_version != session.base_content_version:
        raise EditConflict(
            _("This order changed since you started editing. Please review it and start again."),
            code="version_conflict",
        )


def _open_session(session_id: int) -> tuple[EditSession, Order]:
    """Lock the session (its order read with it) and check it is open on the order's current content version."""
    session = EditSession.objects.select_for_update(of=("self",)).select_related("order").get(pk=session_id)
    ensure_open(session)
    return session, session.order


def _stage(session_id: int, mutate) -> EditSession:
    """Apply one staged change (``mutate(staged, order)`` returns the changes with it), then prove the whole
    set still works (rules, stock, a delivery rate)."""
    with transaction.atomic():
        session, order = _open_session(session_id)
        staged = mutate(session.staged_changes, order)
        lines = list(order.lines.all())
        variants = load_variants(order=order, lines=lines, staged=staged)
        refusal = staged_refusal(
            order=order,
            lines=lines,
            staged=staged,
            variants=variants,
            policy=policy_view(EditPolicy.load()),
            staff=is_staff_actor(session.actor_kind),
        )
        if refusal:
            raise_refusal(refusal)
        build_edit(order=order, lines=lines, staged=staged, variants=variants)  # raises if stock or a rate is missing
        session.staged_changes = staged
        session.save(update_fields=["staged", "updated_at"])
    return session


def stage_quantity(*, session_id: int, line_id: int, quantity: int) -> EditSession:
    def mutate(staged: StagedChanges, order: Order) -> StagedChanges:
        line = order.lines.filter(pk=line_id).first()
        if line is None:
            raise EditError(_("That item is not on this order."), code="unknown_line")
        return staged.with_quantity(line_id, None if quantity == line.quantity else quantity)

    return _stage(session_id, mutate)


def restore_line(*, session_id: int, line_id: int) -> EditSession:
    """Take back what is staged on one of the order's lines (its quantity or removal, and its swap): the edit
    page's "Undo". Still checked like any staging: the rest of the staged set must work without it."""

    def mutate(staged: StagedChanges, order: Order) -> StagedChanges:
        if not order.lines.filter(pk=line_id).exists():
            raise EditError(_("That item is not on this order."), code="unknown_line")
        return staged.with_quantity(line_id, None).with_swap(line_id, None)

    return _stage(session_id, mutate)


def stage_swap(*, session_id: int, line_id: int, variant_id: int) -> EditSession:
    def mutate(staged: StagedChanges, order: Order) -> StagedChanges:
        line = order.lines.filter(pk=line_id).first()
        if line is None:
            raise EditError(_("That item is not on this order."), code="unknown_line")
        if not Variant.objects.filter(pk=variant_id).exists():
            raise EditError(
                _("You can only switch to another size or colour of the same product."), code="swap_other_product"
            )
        return staged.with_swap(line_id, None if variant_id == line.variant_id else variant_id)

    return _stage(session_id, mutate)


def stage_addition(*, session_id: int, variant_id: int, quantity: int) -> EditSession:
    """Add ``quantity`` of a variant (0 takes a staged addition back out)."""

    def mutate(staged: StagedChanges, order: Order) -> StagedChanges:
        if not Variant.objects.filter(pk=variant_id).exists():
            raise EditError(_("This item can't be added."), code="not_for_sale")
        return staged.with_addition(variant_id, None if quantity == 0 else quantity)

    return _stage(session_id, mutate)


def stage_address(*, session_id: int, address: dict) -> EditSession:
    clean = {field: str(address.get(field, "") or "").strip() for field in ADDRESS_FIELDS}

    def mutate(staged: StagedChanges, order: Order) -> StagedChanges:
        return replace(staged, address=clean)

    return _stage(session_id, mutate)


def stage_delivery(*, session_id: int, method_id: int | None = None, pickup_id: int | None = None) -> EditSession:
    if (method_id is None) == (pickup_id is None):
        raise EditError(_("Choose one way to receive the order."), code="no_delivery")

    def mutate(staged: StagedChanges, order: Order) -> StagedChanges:
        delivery = Delivery(method_id=method_id) if method_id else Delivery(pickup_id=pickup_id)
        # Picked up: no address to change.
        return replace(staged, delivery=delivery, address=None if pickup_id else staged.address)

    return _stage(session_id, mutate)


def reset_edit(*, session_id: int) -> EditSession:
    with transaction.atomic():
        session, _order = _open_session(session_id)
        session.staged_changes = EMPTY
        session.save(update_fields=["staged", "updated_at"])
    return session


def abandon_edit(*, session_id: int) -> None:
    EditSession.objects.filter(pk=session_id, status=SessionStatus.OPEN).update(status=SessionStatus.ABANDONED)
