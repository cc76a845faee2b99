"""How a return reads on the shopper's pages: item names in the reader's language and the steps it went through.
Pure functions over rows already read; no queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from orders.constants import EventType, ReturnStatus
from orders.models import OrderLine

# The step each timeline event marks.
STEP_OF_EVENT: dict[str, str] = {
    EventType.RETURN_REQUESTED: ReturnStatus.REQUESTED,
    EventType.RETURN_APPROVED: ReturnStatus.APPROVED,
    EventType.RETURN_IN_TRANSIT: ReturnStatus.IN_TRANSIT,
    EventType.RETURN_RECEIVED: ReturnStatus.RECEIVED,
    EventType.RETURN_REFUNDED: ReturnStatus.REFUNDED,
    EventType.RETURN_EXCHANGED: ReturnStatus.EXCHANGED,
    EventType.RETURN_REJECTED: ReturnStatus.REJECTED,
    EventType.RETURN_CANCELLED: ReturnStatus.CANCELLED,
}
ENDED = (ReturnStatus.REJECTED, ReturnStatus.CANCELLED)


def item_names(line: OrderLine) -> tuple[str, str]:
    """(product, variant) of an order line read with its variant and product: the catalog's names now, in the
    active language, while the variant exists; else the names it was bought under."""
    variant = line.variant if line.variant_id else None
    if variant is None:
        return line.product_name, line.variant_name
    return variant.product.name or line.product_name, variant.name or line.variant_name


@dataclass(frozen=True)
class Step:
    status: str
    label: str
    at: datetime | None  # when it was reached; None for a step still to come
    state: str  # "done", "current" or "next"


def steps(*, status: str, has_exchange: bool, times: list[tuple[str, datetime]]) -> list[Step]:
    """The return's way from requested to refunded (or exchanged), each step with its date once reached; a
    rejected or withdrawn return ends where it stopped. "On its way back" is left out once passed without the
    shopper (or the warehouse) saying the parcel was sent. ``times``: (event type, when), oldest first."""
    reached: dict[str, datetime] = {}
    for event_type, at in times:
        if step := STEP_OF_EVENT.get(event_type):
            reached.setdefault(step, at)
    last: str = ReturnStatus.REFUNDED if status == ReturnStatus.REFUNDED or not has_exchange else ReturnStatus.EXCHANGED
    path: list[str] = [
        ReturnStatus.REQUESTED,
        ReturnStatus.APPROVED,
        ReturnStatus.IN_TRANSIT,
        ReturnStatus.RECEIVED,
        last,
    ]
    if status in ENDED:
        path = [step for step in path if step in reached and step != status] + [status]
    elif ReturnStatus.IN_TRANSIT not in reached and status not in (ReturnStatus.REQUESTED, ReturnStatus.APPROVED):
        path.remove(ReturnStatus.IN_TRANSIT)
    current = path.index(status) if status in path else 0
    labels = {value: str(label) for value, label in ReturnStatus.choices}
    return [
        Step(
            status=step,
            label=labels[step],
            at=reached.get(step) if index <= current else None,
            state="done" if index < current else "current" if index == current else "next",
        )
        for index, step in enumerate(path)
    ]
