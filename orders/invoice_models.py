"""Invoices: the store's counter and the numbered documents it gives out (``orders.models`` re-exports both).

An invoice is a snapshot taken when it is issued (seller, buyer, lines, totals) and never changed after: what
the order becomes later is documented by credit memos that name the invoice (docs/decisions.md, "Invoices").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import MONEY_DIGITS

NUMBER_PREFIX = "INV-"


def invoice_number(serial: int) -> str:
    """What people read and quote: INV-000042."""
    return f"{NUMBER_PREFIX}{serial:06d}"


class InvoiceSequence(models.Model):
    """The store's invoice counter: one row per store, moved only by ``orders.services.invoicing``, whose
    UPDATE holds the row lock until the issuing transaction ends, so a rolled-back invoice gives its number back."""

    store = models.OneToOneField("storefront.StoreSettings", on_delete=models.PROTECT, related_name="+")
    last_serial = models.PositiveIntegerField(_("last invoice number"), default=0)

    class Meta:
        verbose_name = _("invoice counter")
        verbose_name_plural = _("invoice counters")

    def __str__(self) -> str:
        return invoice_number(self.last_serial)


class Invoice(models.Model):
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="invoice")
    store = models.ForeignKey("storefront.StoreSettings", on_delete=models.PROTECT, related_name="+")
    serial = models.PositiveIntegerField(_("serial"))
    issued_at = models.DateTimeField(_("issued"))
    # The order's language and currency when it was issued: the document reads the same for everyone, always.
    language = models.CharField(_("language"), max_length=16, choices=settings.LANGUAGES)
    currency = models.CharField(_("currency"), max_length=3)
    prices_include_tax = models.BooleanField(_("prices include tax"))
    tax_exempt = models.BooleanField(_("tax exempt"), default=False)
    # {"name", "address", "country", "vat_id", "email"} from the store settings at issue.
    seller = models.JSONField(_("seller"), default=dict)
    # {"name", "company", "line1", "line2", "postal_code", "city", "region", "country", "vat_id", "email"}.
    buyer = models.JSONField(_("buyer"), default=dict)
    # [{"description", "sku", "quantity", "unit_price", "discount", "tax_rate", "net", "tax", "gross"}], amounts
    # as strings of Decimals (orders.invoices.invoice_lines); shipping is a line too.
    lines = models.JSONField(_("lines"), default=list)
    net_total = models.DecimalField(_("net"), **MONEY_DIGITS)
    tax_total = models.DecimalField(_("tax"), **MONEY_DIGITS)
    total = models.DecimalField(_("total"), **MONEY_DIGITS)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-serial"]
        constraints = [
            models.UniqueConstraint(fields=["store", "serial"], name="invoice_serial_once_per_store"),
            models.CheckConstraint(
                condition=models.Q(total=models.F("net_total") + models.F("tax_total")), name="invoice_net_plus_tax"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return invoice_number(self.serial)
