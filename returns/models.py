"""Returns: the merchant's policy and reasons, and each return with its lines.

A return belongs to one order and asks for units of its delivered lines back, each line to be refunded or
exchanged for another variant of the same product. Its money is computed when the items are received
(``returns.calculations``) and paid through orders' refund rows; an exchange becomes a new line on the same
order, shipped like any other (docs/decisions.md, "Exchanges ship on the same order").
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.cache import CachedModel, CachedSettingsRow
from core.money import MONEY_DIGITS
from core.reasons import WithReason
from orders.constants import ReturnStatus
from returns.constants import DEFAULT_REASONS, Condition, RefundChoice, RefundTo, ShippingPayer


class ReturnPolicy(CachedSettingsRow):
    """The merchant's return rules (one row: ``ReturnPolicy.load()``)."""

    enabled = models.BooleanField(_("shoppers may ask for returns"), default=True)
    window_days = models.PositiveSmallIntegerField(
        _("return window (days after delivery)"), default=30, validators=[MinValueValidator(1)]
    )
    personalized_returnable = models.BooleanField(
        _("personalized items can be returned"), default=False, help_text=_("Off: items with a personalization can't.")
    )
    shipping_payer = models.CharField(
        _("who pays return shipping"), max_length=10, choices=ShippingPayer.choices, default=ShippingPayer.STORE
    )
    shipping_fee = models.DecimalField(
        _("return shipping fee"),
        **MONEY_DIGITS,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Taken off the refund when the customer pays return shipping (never for the store's fault)."),
    )
    exchanges_allowed = models.BooleanField(_("exchanges for another size or colour"), default=True)
    refund_to = models.CharField(
        _("refunds go to"), max_length=15, choices=RefundChoice.choices, default=RefundChoice.SHOPPER
    )
    auto_approve = models.BooleanField(
        _("approve requests automatically"), default=False, help_text=_("Off: staff approve each request.")
    )
    return_address = models.TextField(
        _("return address"), blank=True, help_text=_("Printed on the return slip. Empty: the store's address.")
    )

    cache_key = "returns:policy"

    class Meta:
        verbose_name = _("return policy")
        verbose_name_plural = _("return policy")

    def __str__(self) -> str:
        return str(_("Return policy"))

    @classmethod
    def load(cls) -> ReturnPolicy:
        return cls.objects.order_by("pk").first() or cls.objects.create()

    def refund_choices(self) -> list[str]:
        if self.refund_to == RefundChoice.SHOPPER:
            return [RefundTo.ORIGINAL, RefundTo.STORE_CREDIT]
        return [RefundTo.STORE_CREDIT if self.refund_to == RefundChoice.STORE_CREDIT else RefundTo.ORIGINAL]


class ReturnReason(CachedModel):
    """Why an item comes back: whether it is the store's fault (no fees; shipping refunded when the whole order
    comes back) and the restocking fee it bears otherwise."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    label = models.CharField(
        _("label"), max_length=100, blank=True, help_text=_("Shown to shoppers. Empty for the built-in codes.")
    )
    store_fault = models.BooleanField(_("the store's fault"), default=False)
    restocking_fee_percent = models.DecimalField(
        _("restocking fee (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Of the price paid for the items; never for the store's fault."),
    )
    is_active = models.BooleanField(_("offered to shoppers"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    cache_key = "returns:reasons"

    class Meta:
        verbose_name = _("return reason")
        verbose_name_plural = _("return reasons")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return str(self.shown_label)

    @property
    def shown_label(self):
        """The built-in codes' label in the reader's language; the merchant's own label otherwise."""
        default = DEFAULT_REASONS.get(self.code)
        return self.label or (default[0] if default else self.code)


class ReturnRequest(WithReason, models.Model):
    """One return of an order. The reason (``WithReason``) is staff's, when they reject it."""

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="returns")
    number = models.CharField(_("return number"), max_length=20, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ReturnStatus.choices[1:], default=ReturnStatus.REQUESTED
    )
    refund_to = models.CharField(_("refund to"), max_length=15, choices=RefundTo.choices, default=RefundTo.ORIGINAL)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    requested_by_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The parcel coming back, when the shopper or the warehouse says it was sent.
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    # Set once, when the items are received: the figures of ``returns.calculations.ReturnMoney``.
    items_value = models.DecimalField(_("items"), **MONEY_DIGITS, default=0)
    restocking_fee = models.DecimalField(_("restocking fee"), **MONEY_DIGITS, default=0)
    shipping_fee = models.DecimalField(_("return shipping"), **MONEY_DIGITS, default=0)
    shipping_refund = models.DecimalField(_("shipping refunded"), **MONEY_DIGITS, default=0)
    exchange_difference = models.DecimalField(
        _("exchange difference"), **MONEY_DIGITS, default=0, help_text=_("Replacements less the items they replace.")
    )
    refund_amount = models.DecimalField(_("refund"), **MONEY_DIGITS, default=0)
    credit_memo = models.OneToOneField(
        "orders.CreditMemo", null=True, blank=True, on_delete=models.PROTECT, related_name="return_request"
    )
    payment_request = models.ForeignKey(
        "orders.PaymentRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="return_queue"),
            models.Index(fields=["order", "-created_at"], name="return_order_recent"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(refund_amount__gte=0), name="return_refund_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def has_exchange(self) -> bool:
        return any(line.exchange_variant_id for line in self.lines.all())


class ReturnLine(models.Model):
    """Units of one order line coming back: refunded, or exchanged for ``exchange_variant``."""

    request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    reason = models.ForeignKey(ReturnReason, on_delete=models.PROTECT, related_name="+", verbose_name=_("reason"))
    exchange_variant = models.ForeignKey(
        "storefront.Variant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("exchange for"),
    )
    # Stock of the replacement, taken on approval (given back if the return is rejected or withdrawn).
    reserved = models.BooleanField(default=False)
    received_quantity = models.PositiveIntegerField(_("quantity received"), default=0)
    condition = models.CharField(_("condition"), max_length=12, choices=Condition.choices, blank=True)
    restocked_quantity = models.PositiveIntegerField(_("restocked"), default=0)
    refund_amount = models.DecimalField(_("refund"), **MONEY_DIGITS, default=0)
    # The replacement's line on the order, added when the returned units arrive.
    exchange_line = models.OneToOneField(
        "orders.OrderLine", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )

    class Meta:
        verbose_name = _("returned item")
        verbose_name_plural = _("returned items")
        ordering = ["request_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(received_quantity__lte=models.F("quantity")), name="return_line_received_within"
            ),
            models.CheckConstraint(
                condition=models.Q(restocked_quantity__lte=models.F("received_quantity")),
                name="return_line_restocked_within",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.order_line}"
