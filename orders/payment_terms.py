"""How long a shopper has to pay a balance, and on which days they are reminded.

The merchant sets them in the edit policy (editing), above orders: editing registers a provider when its
app is ready; without one, a week with reminders on days 1 and 3.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PaymentTerms:
    due_days: int = 7
    reminder_days: tuple[int, ...] = (1, 3)


_provider: list[Callable[[], PaymentTerms]] = []


def register(provider: Callable[[], PaymentTerms]) -> None:
    _provider[:] = [provider]


def payment_terms() -> PaymentTerms:
    return _provider[0]() if _provider else PaymentTerms()
