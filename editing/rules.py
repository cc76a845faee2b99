"""Editing rules: pure functions over plain snapshots. Each refusal carries a code and a translated sentence.

Rules marked "customer only" are the merchant's limits on self-service; staff edit past them.
Physical facts (cancelled, shipped, stock, same-product swaps) bind everyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.dates import when
from editing.constants import ChangeType

MAX_LINE_QUANTITY = 999


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


@dataclass(frozen=True)
class PolicyView:
    enabled: bool = True
    allowed: frozenset = frozenset(ChangeType.values)
    lock_discounted_orders: bool = True
    max_quantity_increase: int | None = None
    address_same_country_only: bool = True
    max_address_changes: int | None = None
    block_address_change_high_risk: bool = True
    monthly_edit_allowance: int | None = None


@dataclass(frozen=True)
class LineView:
    id: int
    product_id: int | None
    quantity: int
    fulfilled_quantity: int = 0
    is_free: bool = False
    is_fee: bool = False
    is_custom: bool = False
    customization: str = ""

    @property
    def locked(self) -> bool:
        return self.is_free or self.is_fee or self.is_custom


@dataclass(frozen=True)
class OrderView:
    cancelled: bool = False
    archived: bool = False
    edit_window_ends_at: datetime | None = None
    discount_code: str = ""
    staff_discount: bool = False  # placed by staff with a discount (a draft's)
    high_risk: bool = False
    country: str = ""
    is_pickup: bool = False
    address_changes: int = 0
    lines: tuple[LineView, ...] = field(default_factory=tuple)

    @property
    def any_fulfilled(self) -> bool:
        return any(line.fulfilled_quantity for line in self.lines)

    @property
    def fully_fulfilled(self) -> bool:
        return bool(self.lines) and all(line.fulfilled_quantity >= line.quantity for line in self.lines)

    def line(self, line_id: int) -> LineView | None:
        return next((line for line in self.lines if line.id == line_id), None)


def order_refusals(
    order: OrderView, policy: PolicyView, *, staff: bool, now: datetime, edits_this_month: int = 0
) -> list[Refusal]:
    """Why this order can't be edited at all right now (empty: it can)."""
    if order.cancelled:
        return [Refusal("order_cancelled", _("This order was canceled."))]
    if order.archived:
        return [Refusal("order_archived", _("This order is closed."))]
    if order.fully_fulfilled:
        return [Refusal("order_fulfilled", _("Everything in this order has shipped."))]
    if staff:
        return []
    refusals = []
    if not policy.enabled:
        refusals.append(Refusal("editing_off", _("This store doesn't allow changes to orders online.")))
    if order.edit_window_ends_at is not None and now >= order.edit_window_ends_at:
        refusals.append(
            Refusal(
                "window_closed",
                _("Orders can be changed until %(time)s; that time has passed.")
                % {"time": when(order.edit_window_ends_at)},
            )
        )
    if policy.lock_discounted_orders and order.discount_code:
        refusals.append(Refusal("discount_locked", _("Orders placed with a discount code can't be changed online.")))
    elif policy.lock_discounted_orders and order.staff_discount:
        # A fixed discount would stay whole on fewer items: the shopper asks the store instead.
        refusals.append(Refusal("discount_locked", _("Orders with a discount from the store can't be changed online.")))
    if policy.monthly_edit_allowance is not None and edits_this_month >= policy.monthly_edit_allowance:
        refusals.append(Refusal("allowance_used", _("Online changes are paused for now. Please contact us.")))
    return refusals


def _not_allowed(change: ChangeType, policy: PolicyView, staff: bool) -> Refusal | None:
    if not staff and change not in policy.allowed:
        return Refusal("change_not_allowed", _("This store doesn't allow this change online."))
    return None


def _unknown_line() -> Refusal:
    return Refusal("unknown_line", _("That item is not on this order."))


def _locked(line: LineView) -> Refusal:
    """Why a shopper can't change a free item, a fee or a custom item: which of them it is."""
    if line.is_fee:
        return Refusal("locked_line", _("Fees can't be changed online."))
    if line.is_free:
        return Refusal("locked_line", _("Free items can't be changed online."))
    return Refusal("locked_line", _("Custom items can't be changed online."))


def quantity_refusal(
    order: OrderView, policy: PolicyView, *, line_id: int, quantity: int, staff: bool
) -> Refusal | None:
    line = order.line(line_id)
    if line is None:
        return _unknown_line()
    if not 0 <= quantity <= MAX_LINE_QUANTITY:
        return Refusal("bad_quantity", _("Enter a quantity between 0 and %(max)s.") % {"max": MAX_LINE_QUANTITY})
    if quantity == line.quantity:
        return None
    if refusal := _not_allowed(ChangeType.REMOVE if quantity == 0 else ChangeType.QUANTITY, policy, staff):
        return refusal
    if quantity < line.fulfilled_quantity:
        return Refusal(
            "fulfilled_quantity",
            ngettext(
                "%(count)s of these already shipped, so the quantity can't go below that.",
                "%(count)s of these already shipped, so the quantity can't go below that.",
                line.fulfilled_quantity,
            )
            % {"count": line.fulfilled_quantity},
        )
    if not staff and line.locked:
        return _locked(line)
    if not staff and line.customization and quantity != 0:
        return Refusal("customized_line", _("Personalized items can be removed, but not changed."))
    if (
        not staff
        and policy.max_quantity_increase is not None
        and quantity - line.quantity > policy.max_quantity_increase
    ):
        return Refusal(
            "quantity_limit",
            ngettext(
                "You can add at most %(count)s more of an item online.",
                "You can add at most %(count)s more of an item online.",
                policy.max_quantity_increase,
            )
            % {"count": policy.max_quantity_increase},
        )
    return None


def swap_refusal(
    order: OrderView, policy: PolicyView, *, line_id: int, target_product_id: int | None, staff: bool
) -> Refusal | None:
    line = order.line(line_id)
    if line is None:
        return _unknown_line()
    if refusal := _not_allowed(ChangeType.SWAP, policy, staff):
        return refusal
    if line.fulfilled_quantity:
        return Refusal("line_shipped", _("This item has already shipped."))
    if target_product_id is None or target_product_id != line.product_id:
        return Refusal("swap_other_product", _("You can only switch to another size or colour of the same product."))
    if line.customization:
        return Refusal("customized_line", _("Personalized items can be removed, but not changed."))
    if not staff and line.locked:
        return _locked(line)
    return None


@dataclass(frozen=True)
class LineControls:
    """What the edit page offers on one of the order's lines: for each control, why not (``None``: offered)."""

    quantity: Refusal | None
    remove: Refusal | None
    swap: Refusal | None


def line_controls(order: OrderView, policy: PolicyView, *, line_id: int, staff: bool) -> LineControls:
    """The rules above, asked about a line before anything is staged on it: can its quantity go up or down
    (to at least 1), can it go, can it become another size or colour of its product."""
    line = order.line(line_id)
    if line is None:
        return LineControls(quantity=_unknown_line(), remove=_unknown_line(), swap=_unknown_line())
    probes = [q for q in (line.quantity + 1, line.quantity - 1) if 1 <= q <= MAX_LINE_QUANTITY]
    refusals = [quantity_refusal(order, policy, line_id=line_id, quantity=q, staff=staff) for q in probes]
    return LineControls(
        quantity=None if any(refusal is None for refusal in refusals) else (refusals or [_unknown_line()])[0],
        remove=quantity_refusal(order, policy, line_id=line_id, quantity=0, staff=staff),
        swap=swap_refusal(order, policy, line_id=line_id, target_product_id=line.product_id, staff=staff),
    )


def addition_refusal(policy: PolicyView, *, quantity: int, on_sale: bool, is_fee: bool, staff: bool) -> Refusal | None:
    if refusal := _not_allowed(ChangeType.ADD, policy, staff):
        return refusal
    if not on_sale or (is_fee and not staff):
        return Refusal("not_for_sale", _("This item can't be added."))
    if not 1 <= quantity <= MAX_LINE_QUANTITY:
        return Refusal("bad_quantity", _("Enter a quantity between 1 and %(max)s.") % {"max": MAX_LINE_QUANTITY})
    if not staff and policy.max_quantity_increase is not None and quantity > policy.max_quantity_increase:
        return Refusal(
            "quantity_limit",
            ngettext(
                "You can add at most %(count)s more of an item online.",
                "You can add at most %(count)s more of an item online.",
                policy.max_quantity_increase,
            )
            % {"count": policy.max_quantity_increase},
        )
    return None


def address_countries(policy: PolicyView, *, order_country: str, is_pickup: bool, staff: bool) -> frozenset | None:
    """The countries a new address may be in (customer only): the order's own when the policy keeps addresses in
    their country, else None for any. A pickup order has no address country to keep."""
    if policy.address_same_country_only and order_country and not is_pickup and not staff:
        return frozenset({order_country})
    return None


def address_refusal(order: OrderView, policy: PolicyView, *, country: str, staff: bool) -> Refusal | None:
    if refusal := _not_allowed(ChangeType.ADDRESS, policy, staff):
        return refusal
    if order.any_fulfilled:
        return Refusal("already_shipped", _("Part of this order has shipped, so its address can't change."))
    if not country:
        return Refusal("no_country", _("Choose a country."))
    if staff:
        return None
    if policy.block_address_change_high_risk and order.high_risk:
        return Refusal("high_risk", _("The address of this order can't be changed online. Please contact us."))
    allowed = address_countries(policy, order_country=order.country, is_pickup=order.is_pickup, staff=staff)
    if allowed is not None and country not in allowed:
        return Refusal("other_country", _("The new address must be in the same country."))
    if policy.max_address_changes is not None and order.address_changes >= policy.max_address_changes:
        return Refusal("address_limit", _("This order's address was already changed as often as allowed."))
    return None


def delivery_refusal(order: OrderView, policy: PolicyView, *, available: bool, staff: bool) -> Refusal | None:
    if refusal := _not_allowed(ChangeType.DELIVERY, policy, staff):
        return refusal
    if order.any_fulfilled:
        return Refusal("already_shipped", _("Part of this order has shipped, so its delivery can't change."))
    if not available:
        return Refusal("unknown_delivery", _("That delivery option is not available."))
    return None


def cancel_refusals(order: OrderView, policy: PolicyView, *, staff: bool, now: datetime) -> list[Refusal]:
    if order.cancelled:
        return [Refusal("order_cancelled", _("This order was canceled."))]
    if order.any_fulfilled:
        return [Refusal("already_shipped", _("Part of this order has shipped, so it can't be canceled online."))]
    if staff:
        return []
    refusals = []
    if not policy.enabled or ChangeType.CANCEL not in policy.allowed:
        refusals.append(Refusal("change_not_allowed", _("This store doesn't allow canceling orders online.")))
    if order.edit_window_ends_at is not None and now >= order.edit_window_ends_at:
        refusals.append(Refusal("window_closed", _("The time to cancel this order online has passed.")))
    return refusals


def cancel_rest_refusals(order: OrderView) -> list[Refusal]:
    """Why staff can't cancel the unshipped rest of this order (empty: they can): something shipped, something
    has not, and the order is open. Delivered parcels don't stop it: what never shipped can still be cancelled."""
    if order.cancelled:
        return [Refusal("order_cancelled", _("This order was canceled."))]
    if order.archived:
        return [Refusal("order_archived", _("This order is closed."))]
    if order.fully_fulfilled:
        return [Refusal("order_fulfilled", _("Everything in this order has shipped."))]
    if not order.any_fulfilled:
        return [Refusal("nothing_shipped", _("Nothing has shipped yet: cancel the whole order instead."))]
    return []
