"""Country codes: the one list every address, tax rate and shipping rate is checked against (django-countries'
ISO 3166-1 alpha-2 codes, as its ``CountryField`` stores them), and the fields that check it at each boundary:
``country_form_field`` for the page forms, ``CountryCodeField`` for the shopper and integration APIs.

A code outside the list would price as a place without tax and at the catch-all shipping rate, so it is refused
where it comes in, and ``storefront.pricing`` refuses to price it (``UnknownCountry``) if it gets that far.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField  # type: ignore[attr-defined]  # in fields.py, not in its .pyi
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# The page forms' own words (Django's choice field's, translated in every language): a page and the APIs refuse
# a code alike. Takes %(value)s, the code refused.
UNKNOWN_COUNTRY = forms.ChoiceField.default_error_messages["invalid_choice"]


class UnknownCountry(ValueError):
    """A tax or shipping rate was asked for a code that is no country: a boundary let it through."""

    def __init__(self, code: object):
        super().__init__(f"Not an ISO 3166-1 alpha-2 country code: {code!r}")
        self.code = code


def is_known_country(code: object) -> bool:
    """Exactly one of the list's codes: upper case, two letters (no alpha-3, no numeric, no lower case)."""
    return isinstance(code, str) and code in countries


def unknown_country_message(code: object) -> str:
    return str(UNKNOWN_COUNTRY) % {"value": code}


def validate_country(value: object) -> None:
    """A Django validator (forms, and DRF, which runs Django validators) for a country code."""
    if not is_known_country(value):
        raise ValidationError(UNKNOWN_COUNTRY, code="invalid_choice", params={"value": value})


def country_form_field(**kwargs) -> forms.Field:
    """The country select of every address form: the list's countries, in the reader's language."""
    return LazyTypedChoiceField(
        label=_("Country"),
        choices=countries,
        error_messages={"invalid_choice": UNKNOWN_COUNTRY},
        validators=[validate_country],
        **kwargs,
    )


@extend_schema_field({"type": "string", "pattern": "^[A-Z]{2}$", "example": "NL"})
class CountryCodeField(serializers.CharField):
    """A country in an API address: one of the list's codes, as the page forms take it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "ISO 3166-1 alpha-2, upper case, e.g. NL.")
        super().__init__(**kwargs)
        self.validators.append(validate_country)
