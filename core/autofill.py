"""Autofill tokens (the HTML ``autocomplete`` attribute) for address fields: browsers fill them in, and
assistive technology knows what each field is for (WCAG 1.3.5, identify input purpose)."""

from collections.abc import Mapping

ADDRESS_TOKENS = {
    "name": "name",
    "company": "organization",
    "line1": "address-line1",
    "line2": "address-line2",
    "city": "address-level2",
    "region": "address-level1",
    "postal_code": "postal-code",
    "country": "country",
    "phone": "tel",
}


def autofill_address(fields: Mapping, section: str = "shipping") -> None:
    """Give each address field of a form (its ``fields``) its token, in ``section`` ("shipping address-line1")."""
    for name, token in ADDRESS_TOKENS.items():
        if name in fields:
            fields[name].widget.attrs["autocomplete"] = f"{section} {token}".strip()
