"""The shopper's order pages and the signed status page. Reads only; selectors do the querying."""

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from editing.models import EditPolicy
from editing.services import cancel_refusals, edit_refusals
from orders import selectors
from orders.constants import ActorKind
from orders.forms import OrderFilterForm
from orders.pay_links import pay_path
from orders.presentation import describe_event
from orders.status_links import number_from_token

PAGE_SIZE = 20


@login_required
def order_list(request):
    form = OrderFilterForm(request.GET or None)
    orders = selectors.customer_orders(user=request.user, filters=form.filters())
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": _order_rows(page.object_list), "query": query.urlencode()}
    return render(request, "orders/order_list.html", context)


def _order_rows(orders) -> list[str]:
    """Each row rendered once per order version and language, all fetched in one cache round trip."""
    language = translation.get_language()
    keyed = {f"order-row:{order.pk}:{order.version}:{language}": order for order in orders}
    rows = cache.get_many(list(keyed))
    missing = {
        key: render_to_string("orders/_order_row.html", {"order": order})
        for key, order in keyed.items()
        if key not in rows
    }
    if missing:
        cache.set_many(missing, timeout=3600)
    rows.update(missing)
    return [mark_safe(rows[key]) for key in keyed]  # noqa: S308 - our own template's output


def _timeline(order):
    language = translation.get_language()
    return [
        (event.created_at, describe_event(event, currency=order.currency, language=language))
        for event in order.events.all()
    ]


def _order_body(order) -> str:
    """Lines, totals, shipments and timeline: cached per order version and language. Every change to
    an order bumps its version, so a cached body is never out of date; the hour only bounds catalog
    images and memory."""
    key = f"order-body:{order.pk}:{order.version}:{translation.get_language()}"
    body = cache.get(key)
    if body is None:
        selectors.load_details(order)
        context = {"order": order, "timeline": _timeline(order), "pay_url": _pay_url(order)}
        body = render_to_string("orders/_order_body.html", context)
        cache.set(key, body, timeout=3600)
    return mark_safe(body)  # noqa: S308 - our own template's output


@login_required
def order_detail(request, number: int):
    order = selectors.customer_order_page(user=request.user, number=number)
    lines, policy = list(order.lines.all()), EditPolicy.load()
    context = {
        "order": order,
        "order_body": _order_body(order),
        "edit_refusals": edit_refusals(order=order, actor_kind=ActorKind.CUSTOMER, lines=lines, policy=policy),
        "cancel_refusals": cancel_refusals(order=order, actor_kind=ActorKind.CUSTOMER, lines=lines, policy=policy),
    }
    return render(request, "orders/order_detail.html", context)


def order_status(request, token: str):
    number = number_from_token(token)
    if number is None:
        raise Http404
    order = selectors.order_page_by_number(number=number)
    return render(request, "orders/order_status.html", {"order": order, "order_body": _order_body(order)})


def _pay_url(order) -> str | None:
    request = selectors.open_payment_request(order=order) if order.balance > 0 else None
    return pay_path(request.pk) if request else None
