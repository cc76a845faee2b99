"""The shopper's order pages and the signed status page. Reads only; selectors do the querying."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import translation

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
    return render(request, "orders/order_list.html", {"form": form, "page": page, "query": query.urlencode()})


def _timeline(order):
    language = translation.get_language()
    return [
        (event.created_at, describe_event(event, currency=order.currency, language=language))
        for event in order.events.all()
    ]


@login_required
def order_detail(request, number: int):
    order = selectors.customer_order(user=request.user, number=number)
    lines, policy = list(order.lines.all()), EditPolicy.load()
    context = {
        "order": order,
        "timeline": _timeline(order),
        "edit_refusals": edit_refusals(order=order, actor_kind=ActorKind.CUSTOMER, lines=lines, policy=policy),
        "cancel_refusals": cancel_refusals(order=order, actor_kind=ActorKind.CUSTOMER, lines=lines, policy=policy),
        "pay_url": _pay_url(order),
    }
    return render(request, "orders/order_detail.html", context)


def order_status(request, token: str):
    number = number_from_token(token)
    if number is None:
        raise Http404
    order = selectors.order_by_number(number=number)
    context = {"order": order, "timeline": _timeline(order), "pay_url": _pay_url(order)}
    return render(request, "orders/order_status.html", context)


def _pay_url(order) -> str | None:
    request = selectors.open_payment_request(order=order) if order.balance > 0 else None
    return pay_path(request.pk) if request else None
