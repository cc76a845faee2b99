from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EditingConfig(AppConfig):
    """Edit policy, rules, edit sessions and cancellation by the shopper."""

    name = "editing"
    verbose_name = _("Order editing")

    def ready(self):
        # Imported once apps are loaded: the provider's modules import models.
        from editing.order_actions import EditActions, policy_payment_terms
        from orders import order_actions, payment_terms

        order_actions.register("editing", EditActions())
        payment_terms.register(policy_payment_terms)
