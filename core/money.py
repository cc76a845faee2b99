"""Money is Decimal, quantized to the currency's minor unit; babel formats it per language."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Final, TypedDict

from babel.numbers import format_currency, get_currency_precision

ZERO = Decimal("0")


class MoneyDigits(TypedDict):
    """The digits of a money column or API field: typed, so ``DecimalField(**MONEY_DIGITS)`` type-checks."""

    max_digits: int
    decimal_places: int


MONEY_DIGITS: Final[MoneyDigits] = {"max_digits": 12, "decimal_places": 2}


@lru_cache(maxsize=64)
def minor_unit(currency: str) -> Decimal:
    """Decimal('0.01') for EUR, Decimal('1') for JPY."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def quantize(amount: Decimal | int | str, currency: str) -> Decimal:
    if isinstance(amount, float):
        raise TypeError("money must not be a float")
    return Decimal(amount).quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def to_babel_locale(language: str) -> str:
    """Django language code ('pt-br', 'zh-hant') to a babel locale ('pt_BR', 'zh_Hant')."""
    base, _, region = language.partition("-")
    if not region:
        return base
    return f"{base}_{region.upper() if len(region) == 2 else region.title()}"


def format_money(amount: Decimal, currency: str, language: str = "en") -> str:
    return _formatted(str(quantize(amount, currency)), currency, language)


@lru_cache(maxsize=8192)
def _formatted(amount: str, currency: str, language: str) -> str:
    # Remembered: babel spends ~50 µs on each, and pages and emails show the same prices again and again.
    return format_currency(Decimal(amount), currency, locale=to_babel_locale(language))
