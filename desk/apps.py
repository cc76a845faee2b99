from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """Staff screens that act across apps (the order admin, the customer admin) and internal notes."""

    name = "desk"
    verbose_name = _("Service desk")
