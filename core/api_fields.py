"""API input fields that take exactly what the OpenAPI schema says they take.

DRF's own fields coerce: a CharField takes ``0`` as ``"0"``, an IntegerField takes ``"5"`` and ``5.0``, a
BooleanField takes ``"yes"``. The schema says ``string``, ``integer``, ``boolean``; a client that sends
another type has a bug we should tell it about (400), not paper over. Money is a string (``"10.50"``), never
a JSON number, which a client may have rounded through a float on the way.
"""

from __future__ import annotations

import re
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.money import MONEY_DIGITS

MONEY_PATTERN = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"
# Above zero, without a look-ahead (schemathesis generates from the pattern): 1…, or 0.01 to 0.99.
POSITIVE_MONEY_PATTERN = r"^([1-9][0-9]{0,9}(\.[0-9]{1,2})?|0\.(0[1-9]|[1-9][0-9]?))$"


MAX_ID = 2**31 - 1  # the largest id a column holds: the schema's maximum, so a bigger one is a 400, not a 500


class StrictCharField(serializers.CharField):
    """A string, kept as sent: not trimmed, so its length is the one the schema's maxLength counts."""

    default_error_messages = {"invalid": "Must be a string."}

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField, StrictCharField):
    pass


# A web link a shopper can follow: http(s), a host name or address, an optional port, then visible ASCII.
# Written out (not format: uri, which takes "mailto:" and "returns:slip"), and checked by the same pattern.
HTTP_URL_PATTERN = r"^(https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?([/?#][!-~]*)?)?$"
URL_MAX_LENGTH = 500


@extend_schema_field({"type": "string", "pattern": HTTP_URL_PATTERN, "maxLength": URL_MAX_LENGTH})
class HttpUrlField(StrictCharField):
    """At most 500 characters, or blank."""

    default_error_messages = {"invalid_url": "An http:// or https:// link."}

    def __init__(self, **kwargs):
        super().__init__(max_length=URL_MAX_LENGTH, allow_blank=True, **kwargs)
        self.validators.append(self._check)

    def _check(self, value: str) -> None:
        if not re.fullmatch(HTTP_URL_PATTERN, value):
            self.fail("invalid_url")


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": "Must be an integer."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictChoiceField(serializers.ChoiceField):
    """Only the choices themselves (strings): not ``1`` for ``"1"``."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictDateField(serializers.DateField):
    """An ISO date string, YYYY-MM-DD."""

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


@extend_schema_field({"type": "string", "format": "decimal", "pattern": MONEY_PATTERN, "example": "10.50"})
class MoneyField(serializers.DecimalField):
    """An amount as a string with at most two decimals: ``"10.50"``."""

    default_error_messages = {"invalid": 'An amount as a string, e.g. "10.50".'}

    def __init__(self, **kwargs):
        super().__init__(**MONEY_DIGITS, **kwargs)

    def to_internal_value(self, data) -> Decimal:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "format": "decimal", "pattern": POSITIVE_MONEY_PATTERN, "example": "10.50"})
class PositiveMoneyField(MoneyField):
    """An amount above zero."""

    def __init__(self, **kwargs):
        super().__init__(min_value=Decimal("0.01"), **kwargs)


class NonEmptyList(serializers.ListField):
    """A list of at least one ``child`` (the schema says ``minItems: 1``, as ``many=True`` would not)."""

    def __init__(self, child, **kwargs):
        kwargs.setdefault("min_length", 1)
        kwargs.setdefault("allow_empty", False)
        super().__init__(child=child, **kwargs)
