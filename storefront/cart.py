"""The shopper's cart, kept in the session (no database).

``request.session["cart"]`` is a list of plain dicts ``{"variant_id": int, "quantity": int,
"customization": str}``, one per line, in the order they were added. The same variant with the same
customization is one line; a different customization (engraving) makes a line of its own. Whether a
variant is still on sale and in stock is for the caller to check (``storefront.selectors.cart_lines``
reads the variants; checkout re-checks stock under lock).
"""

from __future__ import annotations

from dataclasses import dataclass

SESSION_KEY = "cart"
MAX_QUANTITY = 999  # per line
MAX_LINES = 100  # keeps the session small whatever a client posts
MAX_CUSTOMIZATION = 200


class CartFull(ValueError):
    """Adding would make a line beyond MAX_LINES."""


@dataclass(frozen=True)
class CartItem:
    variant_id: int
    quantity: int
    customization: str = ""


def _parse(raw) -> CartItem | None:
    """A stored line, or None when the session holds something else (an old or tampered format)."""
    if not isinstance(raw, dict):
        return None
    variant_id, quantity, customization = raw.get("variant_id"), raw.get("quantity"), raw.get("customization", "")
    if type(variant_id) is not int or type(quantity) is not int or not isinstance(customization, str):
        return None
    if variant_id < 1 or not 1 <= quantity <= MAX_QUANTITY:
        return None
    return CartItem(variant_id=variant_id, quantity=quantity, customization=customization[:MAX_CUSTOMIZATION])


class Cart:
    """A thin wrapper over a session: ``Cart(request.session)``."""

    def __init__(self, session):
        self.session = session

    # --- reads
    def items(self) -> list[CartItem]:
        raw = self.session.get(SESSION_KEY)
        if not isinstance(raw, list):
            return []
        return [item for item in map(_parse, raw) if item is not None]

    def count(self) -> int:
        """How many pieces in all (what the header's "Cart (N)" shows)."""
        return sum(item.quantity for item in self.items())

    def __len__(self) -> int:
        """How many lines."""
        return len(self.items())

    def quantity_of(self, variant_id: int, customization: str | None = None) -> int:
        """Pieces of a variant across its lines, or on the one line with that customization."""
        return sum(
            item.quantity
            for item in self.items()
            if item.variant_id == variant_id and (customization is None or item.customization == customization)
        )

    # --- writes
    def add(self, variant_id: int, quantity: int, customization: str = "") -> CartItem:
        """Add pieces; the same variant and customization merge into one line, capped at MAX_QUANTITY."""
        if quantity < 1:
            raise ValueError("quantity must be at least 1")
        customization = customization.strip()[:MAX_CUSTOMIZATION]
        items = self.items()
        for index, item in enumerate(items):
            if item.variant_id == variant_id and item.customization == customization:
                items[index] = CartItem(variant_id, min(item.quantity + quantity, MAX_QUANTITY), customization)
                self._save(items)
                return items[index]
        if len(items) >= MAX_LINES:
            raise CartFull(f"a cart holds at most {MAX_LINES} lines")
        items.append(CartItem(variant_id, min(quantity, MAX_QUANTITY), customization))
        self._save(items)
        return items[-1]

    def set_quantity(self, index: int, quantity: int) -> None:
        """Set a line's quantity; 0 removes it. IndexError for a line that isn't there."""
        if not 0 <= quantity <= MAX_QUANTITY:
            raise ValueError(f"quantity must be between 0 and {MAX_QUANTITY}")
        items = self.items()
        item = items[self._check(index, items)]
        if quantity == 0:
            del items[index]
        else:
            items[index] = CartItem(item.variant_id, quantity, item.customization)
        self._save(items)

    def remove(self, index: int) -> None:
        items = self.items()
        del items[self._check(index, items)]
        self._save(items)

    def clear(self) -> None:
        self.session.pop(SESSION_KEY, None)

    def _check(self, index: int, items: list[CartItem]) -> int:
        if not 0 <= index < len(items):  # no negative indexes: -1 must not mean "the last line"
            raise IndexError(index)
        return index

    def _save(self, items: list[CartItem]) -> None:
        if not items:
            self.clear()
            return
        self.session[SESSION_KEY] = [
            {"variant_id": item.variant_id, "quantity": item.quantity, "customization": item.customization}
            for item in items
        ]
