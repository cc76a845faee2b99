"""Country codes: the one list every address, tax rate and shipping rate is checked against (django-countries'
ISO 3166-1 alpha-2 codes, as its ``CountryField`` stores them), and the fields that check it at each boundary:
``country_form_field`` for the page forms, ``CountryCodeField`` for the shopper and integration APIs.

The page forms list the countries by their names in the reader's language, in that language's order
(``storefront.collation``), with the store's own country (``StoreSettings.country``) first and chosen on an empty
form. The list is built when a form shows or checks it, never when the code loads: a list made at import is
in whatever language was active then (English), for every reader.

A code outside the list would price as a place without tax and at the catch-all shipping rate, so it is refused
where it comes in, and ``storefront.pricing`` refuses to price it (``UnknownCountry``) if it gets that far.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.utils import extend_schema_field

from core.api_fields import StrictCharField
from storefront.collation import sort_key
from storefront.models import StoreSettings

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


@cache
def _countries_in(language: str) -> tuple[tuple[str, str], ...]:
    """Every country as (code, name in ``language``), ordered as that language's readers expect. The names are
    django-countries' translations, fixed for a deploy: kept for the process, one list per language."""
    with translation.override(language):
        named = [(code, str(name)) for code, name in countries]
    key = sort_key(language)
    return tuple(sorted(named, key=lambda pair: key(pair[1])))


def localized_countries() -> tuple[tuple[str, str], ...]:
    """Every country as (code, name) in the active language, sorted by name in its collation."""
    return _countries_in(translation.get_language() or settings.LANGUAGE_CODE)


def store_country() -> str:
    """The store's own country (``StoreSettings.country``): listed first, and the default of a new address."""
    return str(StoreSettings.cached().country)


def country_choices(*, first: str = "", only: Collection[str] | None = None) -> list[tuple[str, str]]:
    """The (code, name) choices of a country select in the active language: ``first`` at the top (when
    listed), then the rest in the language's order; ``only`` limits them to those codes."""
    listed = [pair for pair in localized_countries() if only is None or pair[0] in only]
    return sorted(listed, key=lambda pair: pair[0] != first)  # stable: the rest keep their order


def store_country_choices() -> list[tuple[str, str]]:
    """Every country, the store's first: what an address form offers unless it narrows the list."""
    return country_choices(first=store_country())


def country_form_field(**kwargs) -> forms.ChoiceField:
    """The country select of every address form: the list's countries named in the reader's language, the
    store's country first and chosen on an empty form. Choices and initial are callables, so both are worked
    out per request; a form may narrow them (``country_choices(only=...)``)."""
    kwargs.setdefault("initial", store_country)
    return forms.ChoiceField(
        label=_("Country"),
        choices=store_country_choices,
        error_messages={"invalid_choice": UNKNOWN_COUNTRY},
        validators=[validate_country],
        **kwargs,
    )


@extend_schema_field({"type": "string", "enum": sorted(countries.countries), "example": "NL"})
class CountryCodeField(StrictCharField):
    """A country in an API address: one of the list's codes, as the page forms take it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "ISO 3166-1 alpha-2, upper case, e.g. NL.")
        super().__init__(**kwargs)
        self.validators.append(validate_country)
