"""How an edit reads: the sentence after confirming, the edit page's items table (``edit_rows``) and the change
records every description of an edit is made from (``change_records``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.utils import translation
from django.utils.translation import gettext as _

from core.money import ZERO, format_money
from core.text import join_sentences
from editing import rules
from editing.calculations import ADDED, SWAPPED, UNCHANGED, EditPlan, line_change
from editing.eligibility import order_view
from editing.staged import StagedChanges
from orders.email_names import item_title
from orders.models import Order, OrderLine
from storefront.models import PickupLocation, ShippingMethod, Variant


def settlement_message(order, settlement, *, cancelled: bool = False) -> str:
    """The sentence shown after confirming: what happened and what happens with the money."""
    language = translation.get_language() or "en"
    money = lambda amount: format_money(amount, order.currency, language)  # noqa: E731
    if cancelled:
        first = _("Order #%(number)s is canceled.") % {"number": order.number}
    else:
        first = _("Your changes are confirmed. New total: %(total)s.") % {"total": money(order.total)}
    rest = (
        _("The rest of the order, %(amount)s, is still due.") % {"amount": money(settlement.left_due)}
        if settlement.left_due
        else ""
    )
    if settlement.payment_request:
        to_pay = _("Still to pay: %(amount)s. We've emailed you a link to pay.") % {
            "amount": money(settlement.payment_request.amount)
        }
        return join_sentences(first, to_pay, rest)
    if rest:
        return join_sentences(first, rest)
    if settlement.refunds:
        if settlement.refund_awaits_approval:
            refund = _("We'll refund %(amount)s once our team has checked the change.")
        else:
            refund = _("We're refunding %(amount)s to your original payment method.")
        return join_sentences(first, refund % {"amount": money(settlement.refund_amount)})
    return first


# What an edit changes, as data: the edited event keeps these records, the order-edited emails get them in
# their context, and ``orders.presentation.describe_changes`` words them (the edit page's preview, the Pay now
# page, the emails' ``change_sentences``).
ADDRESS_LINE_FIELDS = ("name", "company", "line1", "line2", "postal_code", "city", "region", "country")


class ChangedLine(Protocol):
    """A line before and after the staged changes: a planned line (``PlannedLine``) or a row of the edit page."""

    change: str
    variant_id: int | None
    before_variant_id: int | None
    product_name: str
    before_variant_name: str
    variant_name: str
    before_quantity: int
    quantity: int


def change_records(
    lines: Iterable[ChangedLine],
    *,
    address: dict | None,
    method: ShippingMethod | None = None,
    pickup: PickupLocation | None = None,
) -> list[dict]:
    """Every change, in order: the lines' ({"type": "changed" | "removed" | "added" | "swapped", "item", "from",
    "to", "variant_id"}, a swap also with "product", "from_variant", "to_variant", "from_variant_id"), then the
    new address ({"type": "address", "address": {...}}) and the new way to receive the order ({"type":
    "delivery", "method", "method_id", "carrier"} or {"type": "delivery", "pickup", "pickup_id"}); the ids let
    each reader's page and email name them in their language (``orders.email_names``). ``method`` / ``pickup``: the staged delivery's, when one is staged. Names
    are read in the active language: the commit reads them in the order's."""
    records: list[dict] = []
    for line in lines:
        if line.change == UNCHANGED:
            continue
        record: dict = {
            "type": line.change,
            "variant_id": line.variant_id,  # emails and the Pay now page name it in their language
            "item": item_title(line.product_name, line.variant_name),  # as emails name it (orders.email_names)
            "from": line.before_quantity,
            "to": line.quantity,
        }
        if line.change == SWAPPED:
            record.update(
                product=line.product_name,
                from_variant=line.before_variant_name,
                to_variant=line.variant_name,
                from_variant_id=line.before_variant_id,  # named in the reader's language too
            )
        records.append(record)
    if address is not None:
        records.append(
            {"type": "address", "address": {field: str(address.get(field) or "") for field in ADDRESS_LINE_FIELDS}}
        )
    if method is not None:
        records.append(
            {"type": "delivery", "method": str(method.name), "method_id": method.pk, "carrier": method.carrier}
        )
    elif pickup is not None:
        records.append({"type": "delivery", "pickup": str(pickup.name), "pickup_id": pickup.pk})
    return records


@dataclass
class EditRow:
    """One row of the edit page's items table: a line of the order as the staged changes leave it, or a line
    the edit adds, with the controls the rules allow on it and, where some are not offered, why."""

    key: str  # "line-12", "new-34": the row's id on the page, the same before and after an update
    line_id: int | None  # None: a line the edit adds
    variant_id: int | None  # the variant it is of after the changes
    before_variant_id: int | None
    product_name: str
    before_variant_name: str
    variant_name: str
    before_quantity: int
    quantity: int
    change: str
    before_total: Decimal
    total: Decimal | None  # after the changes; None when the preview could not price them
    customization: str = ""
    fulfilled_quantity: int = 0
    choices: list[Variant] = field(default_factory=list)  # the sizes and colours it may become
    can_quantity: bool = False
    can_remove: bool = False
    can_swap: bool = False
    reason: str = ""

    @property
    def label(self) -> str:
        return item_title(self.product_name, self.variant_name)

    @property
    def locked(self) -> bool:
        """Nothing can be done to it here (a fee, a free or custom item for a shopper, a line that shipped)."""
        return not (self.can_quantity or self.can_remove or self.can_swap)


def edit_rows(
    *,
    order: Order,
    lines: list[OrderLine],
    staged: StagedChanges,
    variants: dict[int, Variant],
    plan: EditPlan | None,
    swap_choices: dict[int, list[Variant]],
    policy: rules.PolicyView,
    staff: bool,
) -> list[EditRow]:
    """The items table: the order's lines with their staged quantity, variant or removal, then the added lines;
    totals from the priced ``plan`` (when the preview could price it). Names are the catalog's in the reader's
    language (the names frozen on a line when its variant is gone). Reads nothing: ``variants`` holds every
    variant the changes touch (``editing.plan.load_variants``)."""
    view = order_view(order, lines, {pk: variant.product_id for pk, variant in variants.items()})
    planned = {entry.line_id: entry for entry in plan.lines if entry.line_id is not None} if plan else {}
    planned_added = {entry.variant_id: entry for entry in plan.lines if entry.line_id is None} if plan else {}
    rows = []
    for line in lines:
        quantity = staged.quantities.get(line.pk, line.quantity)
        target = variants.get(staged.swaps[line.pk]) if line.pk in staged.swaps else None
        change = line_change(
            before_quantity=line.quantity,
            quantity=quantity,
            variant_id=line.variant_id,
            target_id=target.pk if target is not None else None,
        )
        swapped = target is not None and change == SWAPPED
        product_id = variants[line.variant_id].product_id if line.variant_id in variants else None
        choices = swap_choices.get(product_id, []) if product_id is not None else []
        controls = rules.line_controls(view, policy, line_id=line.pk, staff=staff)
        offered_swap = len(choices) > 1
        refusals = [controls.quantity, controls.remove, controls.swap if offered_swap else None]
        entry = planned.get(line.pk)
        current = variants.get(line.variant_id) if line.variant_id else None
        product_name, variant_name = (
            (str(current.product.name), str(current.name)) if current else (line.product_name, line.variant_name)
        )
        rows.append(
            EditRow(
                key=f"line-{line.pk}",
                line_id=line.pk,
                variant_id=target.pk if swapped and target is not None else line.variant_id,
                before_variant_id=line.variant_id,
                product_name=product_name,
                before_variant_name=variant_name,
                variant_name=str(target.name) if swapped and target is not None else variant_name,
                before_quantity=line.quantity,
                quantity=quantity,
                change=change,
                before_total=line.total,
                total=entry.total if entry is not None else None,
                customization=line.customization,
                fulfilled_quantity=line.fulfilled_quantity,
                choices=choices,
                can_quantity=controls.quantity is None,
                can_remove=controls.remove is None,
                can_swap=offered_swap and controls.swap is None,
                reason=next((refusal.message for refusal in refusals if refusal is not None), ""),
            )
        )
    for variant_id, quantity in staged.additions.items():
        variant = variants.get(variant_id)
        if variant is None:
            continue
        entry = planned_added.get(variant_id)
        rows.append(
            EditRow(
                key=f"new-{variant_id}",
                line_id=None,
                variant_id=variant_id,
                before_variant_id=None,
                product_name=str(variant.product.name),
                before_variant_name="",
                variant_name=str(variant.name),
                before_quantity=0,
                quantity=quantity,
                change=ADDED,
                before_total=ZERO,
                total=entry.total if entry is not None else None,
                can_quantity=True,
                can_remove=True,
            )
        )
    return rows
