from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self):
        # Imported once apps are loaded: the hook reads the catalog's models.
        from notifications import services as notifications
        from orders.email_names import localize_item_names

        notifications.register_context_hook(localize_item_names)
