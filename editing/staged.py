"""The staged changes of an edit session, typed: line quantities and swaps, added variants, a new address
and a new way to receive the order. ``EditSession.staged`` keeps them as JSON (object keys are strings
there); ``from_json`` / ``to_json`` convert at that boundary only (``EditSession.staged_changes``), so
everything else reads integer ids. A value is never changed in place: ``with_*`` return a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Delivery:
    """The new way to receive the order: a shipping method or a pickup location (one of the two)."""

    method_id: int | None = None
    pickup_id: int | None = None

    @classmethod
    def from_json(cls, data: dict) -> Delivery:
        return cls(method_id=data.get("method"), pickup_id=data.get("pickup"))

    def to_json(self) -> dict:
        return {"method": self.method_id} if self.method_id else {"pickup": self.pickup_id}


@dataclass(frozen=True)
class StagedChanges:
    quantities: dict[int, int] = field(default_factory=dict)  # line id → new quantity (0 removes it)
    swaps: dict[int, int] = field(default_factory=dict)  # line id → the variant it becomes
    additions: dict[int, int] = field(default_factory=dict)  # variant id → quantity added
    address: dict | None = None  # the new shipping address (ADDRESS_FIELDS)
    delivery: Delivery | None = None

    @classmethod
    def from_json(cls, data: dict | None) -> StagedChanges:
        """From ``EditSession.staged``: {"quantities": {"<line id>": qty}, "swaps": {"<line id>": variant id},
        "additions": {"<variant id>": qty}, "address": {...} | null, "delivery": {"method": id} | {"pickup": id}
        | null}; a key left out is nothing staged."""
        data = data or {}
        address, delivery = data.get("address"), data.get("delivery")
        return cls(
            quantities={int(k): v for k, v in (data.get("quantities") or {}).items()},
            swaps={int(k): int(v) for k, v in (data.get("swaps") or {}).items()},
            additions={int(k): v for k, v in (data.get("additions") or {}).items()},
            address=dict(address) if address is not None else None,
            delivery=Delivery.from_json(delivery) if delivery is not None else None,
        )

    def to_json(self) -> dict:
        """For ``EditSession.staged``: every key present, ids as strings where they are object keys."""
        return {
            "quantities": {str(k): v for k, v in self.quantities.items()},
            "swaps": {str(k): v for k, v in self.swaps.items()},
            "additions": {str(k): v for k, v in self.additions.items()},
            "address": dict(self.address) if self.address is not None else None,
            "delivery": self.delivery.to_json() if self.delivery is not None else None,
        }

    @property
    def has_changes(self) -> bool:
        return bool(self.quantities or self.swaps or self.additions or self.address or self.delivery)

    def with_quantity(self, line_id: int, quantity: int | None) -> StagedChanges:
        """``None``: the line keeps its quantity (a staged one is taken back)."""
        return replace(self, quantities=_put(self.quantities, line_id, quantity))

    def with_swap(self, line_id: int, variant_id: int | None) -> StagedChanges:
        """``None``: the line keeps its variant (a staged swap is taken back)."""
        return replace(self, swaps=_put(self.swaps, line_id, variant_id))

    def with_addition(self, variant_id: int, quantity: int | None) -> StagedChanges:
        """``None``: nothing of the variant is added (a staged addition is taken back)."""
        return replace(self, additions=_put(self.additions, variant_id, quantity))


def _put(mapping: dict[int, int], key: int, value: int | None) -> dict[int, int]:
    """A copy of ``mapping`` with ``key`` set to ``value`` (in its place if already there), or left out if None."""
    if value is None:
        return {k: v for k, v in mapping.items() if k != key}
    return {**mapping, key: value}


EMPTY = StagedChanges()
