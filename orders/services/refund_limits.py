"""Staff refund limits: who may give money back, and how much at a time. Managers (and superusers) have
no limit, support agents the store's ``agent_refund_limit``, other staff may not give money back at all.
Every staff action that gives money back asks ``check_refund_limit`` first: refunds, their approval and
retry (``refunds``), goodwill as store credit (``credit``), and, above orders, goodwill discounts and
cancellations with a refund (``editing``). Its own module so that ``refunds`` and ``credit`` both import it.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.money import format_money
from orders.errors import RefundError
from storefront.models import StoreSettings

MANAGERS_GROUP = "Managers"
AGENTS_GROUP = "Support agents"


def refund_limit(user: User) -> Decimal | None:
    """How much one staff member may refund at a time: None = no limit. Raises when they may not refund."""
    group_names = set(user.groups.values_list("name", flat=True))
    if user.is_superuser or MANAGERS_GROUP in group_names:
        return None
    if AGENTS_GROUP in group_names:
        return StoreSettings.load().agent_refund_limit
    raise RefundError(_("Only managers and support agents can refund."), code="not_allowed")


def check_refund_limit(user: User, amount: Decimal) -> None:
    """Every staff action that gives money back (refund, goodwill, cancel with refund, retry) asks this."""
    limit = refund_limit(user)
    if limit is not None and amount > limit:
        currency = StoreSettings.load().currency
        raise RefundError(
            _("Support agents can give back at most %(limit)s at a time; ask a manager.")
            % {"limit": format_money(limit, currency, translation.get_language() or "en")},
            code="over_limit",
            fields={"amount": [_("Above your refund limit.")]},
        )
