"""The store-credit ledger (a model of orders, imported by ``orders.models``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import MONEY_DIGITS
from core.reasons import WithReason


class StoreCreditEntry(WithReason, models.Model):
    """The store-credit ledger: + given (goodwill, refunds to credit), − spent. A customer's balance is the sum."""

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="store_credit")
    amount = models.DecimalField(_("amount"), **MONEY_DIGITS)
    currency = models.CharField(_("currency"), max_length=3)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="store_credit_entries"
    )
    # Spending or refunding credit through an order's transaction; the key makes each movement happen once.
    idempotency_key = models.CharField(max_length=200, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("store credit entry")
        verbose_name_plural = _("store credit")
        ordering = ["customer_id", "created_at", "id"]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="store_credit_entry_not_zero")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
