"""The tags in use on orders, one row each: the admin's tag filter lists them without reading every order."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TagName(models.Model):
    """Added whenever an order is saved with a tag (``orders.services.kernel.save_change``); never removed, so a
    tag no order carries any more still offers an empty filter."""

    name = models.CharField(_("tag"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
