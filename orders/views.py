"""The shopper's order pages and the signed status page. Reads only; selectors do the querying."""

import hashlib
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe

from core.cache import get_many_versioned, get_versioned, set_many_versioned
from core.dates import current_time_zone_name
from orders import order_actions, selectors
from orders.forms import OrderFilterForm
from orders.invoice_models import invoice_number
from orders.presentation import describe_event, event_reason, item_summary
from orders.selectors import OrderFilters
from orders.status_links import number_from_token, status_token
from storefront.selectors import catalog_stamp

PAGE_SIZE = 20


@login_required
def order_list(request):
    # Unfiltered (most views), the form is only built if its cached fragment is missing.
    form = OrderFilterForm(request.GET) if request.GET else SimpleLazyObject(OrderFilterForm)
    filters = form.filters() if request.GET else OrderFilters()
    number = _page_number(request.GET.get("page"))
    keys, count = selectors.customer_order_keys(
        user=request.user, filters=filters, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    paginator = Paginator(range(count), PAGE_SIZE)
    page = paginator.get_page(number)
    if page.number != number:  # past the last page: show the last one, as Paginator.get_page does
        keys, count = selectors.customer_order_keys(
            user=request.user, filters=filters, offset=(page.number - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": _order_rows(keys), "query": query.urlencode()}
    return render(request, "orders/order_list.html", context)


def _page_number(value) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def _reader() -> str:
    """What a render shows besides the order: the reader's language and time zone (dates and times read in
    it). Every cached render's key ends with it, so no reader is ever served another's."""
    return f"{translation.get_language()}:{current_time_zone_name()}"


def _order_rows(keys: list[tuple[int, int]]) -> str:
    """The page's rows as one fragment, cached under the (id, version) of every order on it, so a page seen
    before is one small read. Missing, it is put together from rows cached once per order version, catalog
    stamp (rows name the products), language and time zone (one round trip for all of them); only orders whose
    row is missing are read from the database."""
    reader = f"{catalog_stamp()}:{_reader()}"
    page_key = "order-rows:" + hashlib.sha256(f"{reader}:{keys}".encode()).hexdigest()
    if (html := get_versioned(page_key)) is not None:
        return mark_safe(html)  # noqa: S308 - our own template's output
    keyed = {f"order-row:{pk}:{version}:{reader}": pk for pk, version in keys}
    rows, missing = get_many_versioned(list(keyed)), {}
    if wanted := {key: pk for key, pk in keyed.items() if key not in rows}:
        orders = selectors.orders_by_id(wanted.values())
        missing = {key: _row(orders[pk]) for key, pk in wanted.items() if pk in orders}
        rows.update(missing)
    html = "".join(rows[key] for key in keyed if key in rows)
    set_many_versioned({**missing, page_key: html})
    return mark_safe(html)  # noqa: S308 - our own template's output


def _row(order) -> str:
    """One list row, in the active language: an order read by ``selectors.orders_by_id``."""
    items = item_summary(order.line_names, language=translation.get_language() or "en")
    return render_to_string("orders/_order_row.html", {"order": order, "items": items})


def _timeline(order):
    language = translation.get_language()
    return [
        (event.created_at, describe_event(event, currency=order.currency, language=language), event_reason(event))
        for event in order.events.all()
    ]


@dataclass(frozen=True)
class OrderPage:
    """An order's page at one version for one reader (language, time zone): the parts around what changes by
    the minute."""

    number: int
    head: str
    tail: str
    action_facts: dict  # what the apps above read for their actions (orders.order_actions), decided per request


# (head, tail) templates of each kind of order page.
PAGE_TEMPLATES = {
    "detail": ("orders/_detail_head.html", "orders/_detail_tail.html"),
    "status": ("orders/_status_head.html", "orders/_order_body.html"),
}


def _order_page(key: tuple[int, int], kind: str) -> OrderPage:
    """The page of the order ``key`` = (id, version), rendered once per version, reader (language and time
    zone) and kind. Every change to an order bumps its version, and every change to the catalog rows a page
    shows (a picture, a pickup place) the catalog stamp, so a cached page is never out of date."""
    cache_key = f"order-page:{kind}:{key[0]}:{key[1]}:{catalog_stamp()}:{_reader()}"
    page = get_versioned(cache_key)
    if page is None:
        order = selectors.load_details(selectors.order_for_page(order_id=key[0]))
        context = page_context(order, kind)
        head, tail = PAGE_TEMPLATES[kind]
        page = OrderPage(
            number=order.number,
            head=render_to_string(head, context),
            tail=render_to_string(tail, context),
            action_facts=order_actions.page_facts(order),
        )
        set_many_versioned({cache_key: page})
    return page


def page_context(order, kind: str) -> dict:
    """What an order page's cached parts are rendered from (an order read by ``selectors.load_details``)."""
    return {
        "order": order,
        "timeline": _timeline(order),
        "pay_url": _pay_url(order, kind),
        "invoice": _invoice(order, kind),
    }


@login_required
def order_detail(request, number: int):
    key = selectors.customer_order_key(user=request.user, number=number)
    page = _order_page(key, "detail")
    actions = order_actions.render_actions(page.action_facts, number=page.number, request=request)
    context = {"page": page, "actions": actions}
    return render(request, "orders/order_detail.html", context)


def order_status(request, token: str):
    number = number_from_token(token)
    if number is None:
        raise Http404
    key = selectors.order_key_by_number(number=number)
    page = _order_page(key, "status")
    return render(request, "orders/order_status.html", {"page": page})


def _pay_url(order, kind: str) -> str | None:
    """Any balance due is payable: the link opens (or makes) the payment request for it."""
    if order.position.balance_due <= 0:
        return None
    if kind == "status":
        return reverse("orders:pay-balance-by-link", args=[status_token(order.number)])
    return reverse("orders:pay-balance", args=[order.number])


def _invoice(order, kind: str) -> dict | None:
    """The order's invoice number and links, when it has one (read with the order: ``invoice_serial``)."""
    if order.invoice_serial is None:
        return None
    if kind == "status":
        token = status_token(order.number)
        urls = reverse("orders:status-invoice", args=[token]), reverse("orders:status-invoice-pdf", args=[token])
    else:
        urls = reverse("orders:invoice", args=[order.number]), reverse("orders:invoice-pdf", args=[order.number])
    return {"number": invoice_number(order.invoice_serial), "url": urls[0], "pdf_url": urls[1]}
