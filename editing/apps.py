from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EditingConfig(AppConfig):
    """Edit policy, rules and edit sessions (issue: self-serve order editing). Empty until then."""

    name = "editing"
    verbose_name = _("Order editing")
