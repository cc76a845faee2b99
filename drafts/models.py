"""A draft order: a customer, lines, an address and delivery, and a staff discount, built by staff and freely
changed until it is placed (``drafts.services.place_draft``), which makes it an order through ``place_order``.

A draft is not an order: no number, no stock taken, not on the shopper's pages, lists, API or stats. Its
prices are never stored: they are quoted from the catalog each time (``drafts.selectors.quote_draft``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import MONEY_DIGITS
from core.reasons import WithReason
from drafts.constants import DiscountKind, DraftStatus


class DraftOrder(WithReason, models.Model):
    """The reason (``WithReason``) is the staff discount's."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="draft_orders"
    )
    status = models.CharField(_("status"), max_length=10, choices=DraftStatus.choices, default=DraftStatus.OPEN)
    # The customer's address book entry it was taken from, and its snapshot (the book may change later).
    address_id = models.BigIntegerField(null=True, blank=True)
    shipping_address = models.JSONField(_("shipping address"), default=dict, blank=True)
    shipping_method = models.ForeignKey(
        "storefront.ShippingMethod",
        verbose_name=_("shipping method"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pickup_location = models.ForeignKey(
        "storefront.PickupLocation",
        verbose_name=_("pickup location"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    discount_kind = models.CharField(
        _("discount"), max_length=10, choices=DiscountKind.choices, default=DiscountKind.NONE, blank=True
    )
    discount_value = models.DecimalField(_("discount value"), **MONEY_DIGITS, default=0)
    order = models.OneToOneField(
        "orders.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="draft",
    )
    # Bumped by every change: placing is refused against a version other than the one staff saw.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("draft order")
        verbose_name_plural = _("draft orders")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["status", "-updated_at"], name="draft_status_recent")]
        constraints = [
            models.CheckConstraint(condition=models.Q(discount_value__gte=0), name="draft_discount_not_negative"),
            models.CheckConstraint(
                condition=models.Q(status=DraftStatus.OPEN) | models.Q(order__isnull=False),
                name="draft_placed_has_order",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"D-{self.pk:05d}" if self.pk else "D-?"

    def is_open(self) -> bool:
        return self.status == DraftStatus.OPEN


class DraftLine(models.Model):
    draft = models.ForeignKey(DraftOrder, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "storefront.Variant", verbose_name=_("item"), on_delete=models.CASCADE, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("draft line")
        verbose_name_plural = _("draft lines")
        ordering = ["draft_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "variant"], name="draft_line_variant_once"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="draft_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id}"
