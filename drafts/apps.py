from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DraftsConfig(AppConfig):
    """Draft orders: what staff build for a customer until it is placed through ``orders.place_order``."""

    name = "drafts"
    verbose_name = _("Draft orders")
