"""The shopper's return request (one form for every line of the order) and the "I've sent it" form."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from core.money import format_money
from orders.models import OrderLine
from returns.constants import RefundTo
from returns.models import ReturnReason
from returns.services import AskedLine
from storefront.models import Variant


@dataclass
class Row:
    """One line of the order on the request page: how many of its units may come back, or why none can."""

    line: OrderLine
    product_name: str
    variant_name: str
    title: str
    returnable: int
    refusal: str | None
    options: list[Variant] = field(default_factory=list)  # other variants to exchange for


class ExchangeSelect(forms.Select):
    """A refund, or a variant to exchange for; variants out of stock are shown, not offered."""

    def __init__(self, *args, unavailable: frozenset = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unavailable = unavailable

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.unavailable:
            option["attrs"]["disabled"] = True
        return option


def _exchange_label(line: OrderLine, variant: Variant, currency: str) -> str:
    name = variant.name
    if variant.track_inventory and variant.stock < 1:
        return _("Exchange for %(variant)s (out of stock)") % {"variant": name}
    difference = variant.price - line.variant.price if line.variant_id and line.variant else Decimal(0)
    if difference:
        amount = format_money(abs(difference), currency, translation.get_language() or "en")
        if difference > 0:
            return _("Exchange for %(variant)s (%(amount)s more each)") % {"variant": name, "amount": amount}
        return _("Exchange for %(variant)s (%(amount)s less each)") % {"variant": name, "amount": amount}
    return _("Exchange for %(variant)s") % {"variant": name}


class ReturnForm(forms.Form):
    """Per returnable line a quantity (0 to what may come back), a reason and, where the store takes exchanges,
    "Refund" or another variant; where refunds go, when the shopper may choose; a comment. Fields are named by
    the order line's id (``qty_12``, ``reason_12``, ``exchange_12``), so the service's field errors
    (``lines.12``) land beside their line."""

    def __init__(
        self,
        *args,
        rows: list[Row],
        reasons: list[ReturnReason],
        exchanges_allowed: bool,
        refund_choices: list[str],
        currency: str,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.all_rows = rows
        self.rows = [row for row in rows if row.returnable]
        self.refund_choices = refund_choices
        reason_choices = [("", _("Choose a reason")), *((reason.code, reason.shown_label) for reason in reasons)]
        for row in self.rows:
            pk, item = row.line.pk, row.title
            self.fields[f"qty_{pk}"] = forms.TypedChoiceField(
                label=_("Quantity of %(item)s") % {"item": item},
                choices=[(n, str(n)) for n in range(row.returnable + 1)],
                coerce=int,
                empty_value=None,  # left out: none of it
                initial=0,
                required=False,
            )
            self.fields[f"reason_{pk}"] = forms.ChoiceField(
                label=_("Reason for returning %(item)s") % {"item": item}, choices=reason_choices, required=False
            )
            if exchanges_allowed and row.options:
                unavailable = frozenset(str(v.pk) for v in row.options if v.track_inventory and v.stock < 1)
                self.fields[f"exchange_{pk}"] = forms.TypedChoiceField(
                    label=_("Refund or exchange %(item)s") % {"item": item},
                    choices=[("", _("Refund")), *((v.pk, _exchange_label(row.line, v, currency)) for v in row.options)],
                    coerce=int,
                    empty_value=None,
                    required=False,
                    widget=ExchangeSelect(unavailable=unavailable),
                )
        if len(refund_choices) > 1:
            labels = dict(RefundTo.choices)
            self.fields["refund_to"] = forms.ChoiceField(
                label=_("Refund to"),
                choices=[(choice, labels[choice]) for choice in refund_choices],
                widget=forms.RadioSelect,
                initial=refund_choices[0],
                required=False,  # left out: the first choice, as the page shows it checked
            )
        self.fields["comment"] = forms.CharField(
            label=gettext_lazy("Anything we should know? (optional)"),
            max_length=500,
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
        )

    def bound_rows(self) -> list[dict]:
        """Every line of the order, with its bound fields when some of it can come back."""
        returnable = {row.line.pk for row in self.rows}
        return [
            {
                "row": row,
                "quantity": self[f"qty_{row.line.pk}"] if row.line.pk in returnable else None,
                "reason": self[f"reason_{row.line.pk}"] if row.line.pk in returnable else None,
                "exchange": self[f"exchange_{row.line.pk}"] if f"exchange_{row.line.pk}" in self.fields else None,
            }
            for row in self.all_rows
        ]

    def clean(self):
        data = super().clean()
        asked = False
        for row in self.rows:
            pk = row.line.pk
            if data.get(f"qty_{pk}"):
                asked = True
                if not data.get(f"reason_{pk}") and f"reason_{pk}" not in self.errors:
                    self.add_error(f"reason_{pk}", _("Choose a reason."))
        if self.rows and not asked and not self.errors:
            self.add_error(f"qty_{self.rows[0].line.pk}", _("Choose at least one item to return."))
        return data

    def asked_lines(self) -> list[AskedLine]:
        data = self.cleaned_data
        return [
            AskedLine(
                order_line_id=row.line.pk,
                quantity=data[f"qty_{row.line.pk}"] or 0,
                reason_code=data[f"reason_{row.line.pk}"],
                exchange_variant_id=data.get(f"exchange_{row.line.pk}"),
            )
            for row in self.rows
            if data.get(f"qty_{row.line.pk}")
        ]

    def chosen_refund_to(self) -> str:
        return self.cleaned_data.get("refund_to") or self.refund_choices[0]

    def add_application_error(self, error: ApplicationError) -> None:
        """The service's refusal beside what it is about: ``lines.<id>`` at that line's quantity, ``lines`` at the
        first line's, ``refund_to`` at the choice; anything else above the form."""
        placed = False
        for key, problems in (error.fields or {}).items():
            name = key
            if key.startswith("lines.") and f"qty_{key.removeprefix('lines.')}" in self.fields:
                name = f"qty_{key.removeprefix('lines.')}"
            elif key == "lines" and self.rows:
                name = f"qty_{self.rows[0].line.pk}"
            if name in self.fields:
                for problem in problems:
                    self.add_error(name, str(problem))
                placed = True
        if not placed:
            self.add_error(None, error.message)


class SentForm(forms.Form):
    carrier = forms.CharField(label=gettext_lazy("Carrier"), max_length=100, required=False)
    tracking_number = forms.CharField(label=gettext_lazy("Tracking number"), max_length=100, required=False)
