"""How many of a customer's orders have a balance due, kept as orders change: the service desk's "has a
balance due" filter reads one small index instead of every unpaid order."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OwingCustomer(models.Model):
    """One row per customer who ever owed; ``orders`` moves by one as an order's ``Order.owes`` flips
    (``orders.services.kernel.track_owing``), by increments, so writers of two orders never race."""

    customer = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="owing"
    )
    orders = models.IntegerField(_("orders with a balance due"), default=0)

    class Meta:
        verbose_name = _("customer with a balance due")
        verbose_name_plural = _("customers with a balance due")
        indexes = [models.Index(fields=["customer"], condition=models.Q(orders__gt=0), name="owing_customer_now")]
        constraints = [models.CheckConstraint(condition=models.Q(orders__gte=0), name="owing_orders_not_negative")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.orders}"
