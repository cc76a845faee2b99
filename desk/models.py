"""The service desk's own records: the customer as staff see them (a proxy of the shopper account) and the
internal notes staff leave on customers and orders.

Notes live here, above orders and accounts, so nothing a shopper reaches (their pages, the shopper API,
emails, webhooks) can even import them: staff-only by the apps' layers, not by a flag."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User, UserManager


class CustomerManager(UserManager):
    use_in_migrations = False

    def get_queryset(self):
        return super().get_queryset().filter(is_staff=False)


class Customer(User):
    """A shopper account (not staff), with its profile: the customer admin's rows."""

    objects = CustomerManager()  # type: ignore[misc]

    class Meta:
        proxy = True
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [("set_customer_pricing", _("Can set a customer's group and tax exemption"))]


class Note(models.Model):
    """An internal note on a customer, or on one of their orders (then ``order`` is set). Never changed."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("note"), max_length=2000)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["customer", "created_at"], name="note_customer_time"),
            models.Index(fields=["order", "created_at"], name="note_order_time"),
        ]

    def __str__(self) -> str:
        return self.text[:60]
