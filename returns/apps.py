from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    """Returns and exchanges: the merchant's return policy, the shopper's request, staff handling, the refund
    through orders' refund rows, and the exchange shipped on the same order."""

    name = "returns"
    verbose_name = _("Returns")

    def ready(self):
        # Imported once apps are loaded: the provider's modules import models.
        from orders import order_actions
        from orders.return_sentences import register_return_reason_label
        from returns.order_actions import ReturnActions
        from returns.selectors import reason_label

        order_actions.register("returns", ReturnActions())
        register_return_reason_label(reason_label)  # timelines name a returned item's reason
