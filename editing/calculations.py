"""The edit's arithmetic: from the order's lines and the staged changes to the lines and totals after.

Pure: callers pass plain snapshots (lines, catalog variants, rates already looked up). Preview and
commit both call ``plan_edit``, so the figures a shopper confirmed are the ones committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from orders.calculations import LineInput, Totals
from orders.quotes import PricingContext, price_line, total

UNCHANGED, CHANGED, ADDED, REMOVED, SWAPPED = "unchanged", "changed", "added", "removed", "swapped"


@dataclass(frozen=True)
class CurrentLine:
    id: int
    variant_id: int | None
    product_name: str
    variant_name: str
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal
    total: Decimal
    discountable: bool
    weight_grams: int


@dataclass(frozen=True)
class CatalogVariant:
    id: int
    product_id: int
    product_name: str
    name: str
    price: Decimal
    weight_grams: int
    is_fee: bool


@dataclass
class PlannedLine:
    line_id: int | None  # None: a new line
    variant_id: int | None
    product_name: str
    variant_name: str
    before_quantity: int
    quantity: int
    before_total: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    discountable: bool
    weight_grams: int
    change: str = UNCHANGED
    before_variant_name: str = ""  # what a swapped line was (the others: ``variant_name``)
    before_variant_id: int | None = None
    total: Decimal = Decimal("0")
    tax: Decimal = Decimal("0")
    subtotal: Decimal = Decimal("0")
    discount: Decimal = Decimal("0")
    # Of a swapped or added line priced today with the buyer's group discount (LineInput.list_price).
    list_price: Decimal | None = None
    group_discount_percent: Decimal = Decimal("0")

    def as_input(self) -> LineInput:
        return LineInput(
            unit_price=self.unit_price,
            quantity=self.quantity,
            tax_rate=self.tax_rate,
            discountable=self.discountable,
            list_price=self.list_price,
            group_discount_percent=self.group_discount_percent,
        )


@dataclass
class EditPlan:
    lines: list[PlannedLine]
    totals: Totals | None = None
    variant_deltas: dict[int, int] = field(default_factory=dict)  # variant id → extra units taken (negative: returned)

    @property
    def priced_totals(self) -> Totals:
        """``totals``, which ``price_plan`` fills in: a plan is shown or written only once priced."""
        if self.totals is None:
            raise RuntimeError("The edit plan is not priced yet.")
        return self.totals

    @property
    def kept(self) -> list[PlannedLine]:
        return [line for line in self.lines if line.quantity > 0]

    @property
    def weight_grams(self) -> int:
        return sum(line.weight_grams * line.quantity for line in self.lines)


def line_change(*, before_quantity: int, quantity: int, variant_id: int | None, target_id: int | None) -> str:
    """What the staged changes make of a line: swapped (to ``target_id``, another variant, and kept), removed
    (``quantity`` 0), changed (another quantity) or unchanged. The plan and the edit page's rows both ask here."""
    if target_id is not None and target_id != variant_id and quantity > 0:
        return SWAPPED
    if quantity == 0:
        return REMOVED
    return CHANGED if quantity != before_quantity else UNCHANGED


def plan_lines(
    *,
    current: list[CurrentLine],
    quantities: dict[int, int],
    swaps: dict[int, int],
    additions: dict[int, int],
    variants: dict[int, CatalogVariant],
    ctx: PricingContext,
    retax: bool,
) -> EditPlan:
    """Lines after the staged changes. Kept lines keep the price paid; swapped and added ones take today's
    price for this buyer. With ``retax`` (the destination changed) every line takes ``ctx.tax_rate``."""
    planned: list[PlannedLine] = []
    deltas: dict[int, int] = {}

    def take(variant_id: int | None, units: int) -> None:
        if variant_id is not None and units:
            deltas[variant_id] = deltas.get(variant_id, 0) + units

    for line in current:
        quantity = quantities.get(line.id, line.quantity)
        tax_rate = (Decimal("0") if ctx.customer.tax_exempt else ctx.tax_rate) if retax else line.tax_rate
        entry = PlannedLine(
            line_id=line.id,
            variant_id=line.variant_id,
            product_name=line.product_name,
            variant_name=line.variant_name,
            before_quantity=line.quantity,
            quantity=quantity,
            before_total=line.total,
            unit_price=line.unit_price,
            tax_rate=tax_rate,
            discountable=line.discountable,
            weight_grams=line.weight_grams,
            before_variant_name=line.variant_name,
            before_variant_id=line.variant_id,
        )
        target = variants.get(swaps[line.id]) if line.id in swaps else None
        entry.change = line_change(
            before_quantity=line.quantity,
            quantity=quantity,
            variant_id=line.variant_id,
            target_id=target.id if target is not None else None,
        )
        if target is not None and entry.change == SWAPPED:
            priced = price_line(price=target.price, quantity=quantity, discountable=not target.is_fee, ctx=ctx)
            entry.variant_id, entry.variant_name = target.id, target.name
            entry.unit_price, entry.tax_rate, entry.weight_grams = (
                priced.unit_price,
                priced.tax_rate,
                target.weight_grams,
            )
            entry.list_price, entry.group_discount_percent = priced.list_price, priced.group_discount_percent
            # Priced as the target today, it takes the code discount as that variant would (the commit gives
            # it the target's flags from the same line factory as checkout).
            entry.discountable = priced.discountable
            take(line.variant_id, -line.quantity)
            take(target.id, quantity)
        else:
            take(line.variant_id, quantity - line.quantity)
        planned.append(entry)

    for variant_id, quantity in additions.items():
        variant = variants[variant_id]
        priced = price_line(price=variant.price, quantity=quantity, discountable=not variant.is_fee, ctx=ctx)
        planned.append(
            PlannedLine(
                line_id=None,
                variant_id=variant.id,
                product_name=variant.product_name,
                variant_name=variant.name,
                before_quantity=0,
                quantity=quantity,
                before_total=Decimal("0"),
                unit_price=priced.unit_price,
                tax_rate=priced.tax_rate,
                discountable=not variant.is_fee,
                weight_grams=variant.weight_grams,
                change=ADDED,
                list_price=priced.list_price,
                group_discount_percent=priced.group_discount_percent,
            )
        )
        take(variant.id, quantity)
    return EditPlan(lines=planned, variant_deltas={k: v for k, v in deltas.items() if v})


def price_plan(plan: EditPlan, *, ctx: PricingContext, shipping: Decimal, shipping_tax_rate: Decimal) -> EditPlan:
    """Totals of the lines after the edit (removed lines count as nothing), each line's amounts filled in."""
    kept = plan.kept
    plan.totals = total(
        [line.as_input() for line in kept], ctx=ctx, shipping=shipping, shipping_tax_rate=shipping_tax_rate
    )
    for line, amounts in zip(kept, plan.totals.lines, strict=True):
        line.subtotal, line.discount, line.tax, line.total = (
            amounts.subtotal,
            amounts.discount,
            amounts.tax,
            amounts.total,
        )
    return plan
