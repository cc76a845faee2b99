"""What the apps above orders offer on the shopper's order page: editing offers "Edit order" and "Cancel
order". orders sits below them and must not import them, so each registers a provider when its app is
ready (``AppConfig.ready``), and the page shows what the providers render.

A provider reads the order once per version — ``facts(order)``, kept with the cached page — and renders
its actions per request from those facts: what is allowed moves with the clock and the merchant's policy,
not only with the order.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from orders.models import Order


class OrderActions(Protocol):
    def facts(self, order: Order) -> Any: ...

    def render(self, facts: Any, *, number: int, request: HttpRequest) -> str: ...


_providers: dict[str, OrderActions] = {}


def register(name: str, provider: OrderActions) -> None:
    _providers[name] = provider


def page_facts(order: Order) -> dict[str, Any]:
    """What every provider reads of ``order``: cached with the page, so it must pickle."""
    return {name: provider.facts(order) for name, provider in _providers.items()}


def render_actions(facts: dict[str, Any], *, number: int, request: HttpRequest) -> SafeString:
    parts = [
        provider.render(facts[name], number=number, request=request)
        for name, provider in _providers.items()
        if name in facts
    ]
    return mark_safe("".join(parts))  # noqa: S308 - the providers' own templates' output
