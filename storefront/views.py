"""Catalog pages and the session cart. Open to everyone; checkout (``orders:checkout``) takes it from here."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from storefront import selectors
from storefront.cart import Cart
from storefront.forms import LOW_STOCK, AddToCartForm, CartLineForm, is_sold_out, not_enough_stock, stock_left
from storefront.models import StoreSettings


def _store_context() -> dict:
    store = StoreSettings.load()
    return {"currency": store.currency, "prices_include_tax": store.prices_include_tax, "low_stock": LOW_STOCK}


@require_GET
def product_list(request):
    products = list(selectors.catalog_products())
    for product in products:
        product.sold_out = all(is_sold_out(variant) for variant in product.variants.all())
    return render(request, "storefront/product_list.html", {"products": products, **_store_context()})


@require_http_methods(["GET", "POST"])
def product_detail(request, slug: str):
    product = selectors.product_by_slug(slug)
    if product is None:
        raise Http404
    cart = Cart(request.session)
    form = AddToCartForm(request.POST or None, product=product, variants=product.variants.all(), cart=cart)
    if request.method == "POST" and form.is_valid():
        variant, quantity = form.cleaned_data["variant"], form.cleaned_data["quantity"]
        cart.add(variant.pk, quantity, form.cleaned_data.get("customization", ""))
        messages.success(
            request,
            _("Added to your cart: %(quantity)s × %(item)s.")
            % {"quantity": quantity, "item": f"{product.name} – {variant.name}"},
        )
        return redirect("storefront:cart")
    return render(request, "storefront/product_detail.html", {"product": product, "form": form, **_store_context()})


@require_http_methods(["GET", "POST"])
def cart_page(request):
    """The cart; POST updates or removes one line (``CartLineForm``) and comes back here."""
    cart = Cart(request.session)
    summary = selectors.cart_lines(cart.items())
    if summary.unavailable:
        for index in reversed(summary.unavailable):
            cart.remove(index)
        messages.info(request, _("Items that are no longer for sale were taken out of your cart."))
        return redirect("storefront:cart")

    bound = None
    if request.method == "POST":
        line = summary.line_at(_int(request.POST.get("line")))
        if line is None or _int(request.POST.get("variant")) != line.variant.pk:
            messages.error(request, _("Your cart changed in the meantime. Please check it and try again."))
            return redirect("storefront:cart")
        form = CartLineForm.for_line(line, data=request.POST)
        if form.is_valid():
            quantity = form.cleaned_data["quantity"]
            if form.cleaned_data["action"] == CartLineForm.REMOVE or quantity == 0:
                cart.remove(line.index)
                messages.success(
                    request,
                    _("Removed from your cart: %(item)s.") % {"item": f"{line.product.name} – {line.variant.name}"},
                )
                return redirect("storefront:cart")
            left = stock_left(line.variant)
            others = summary.variant_quantity(line.variant.pk) - line.quantity  # same variant, other personalization
            if left is not None and others + quantity > left:
                form.add_error("quantity", not_enough_stock(left=left, in_cart=others))
            else:
                cart.set_quantity(line.index, quantity)
                messages.success(request, _("Your cart is updated."))
                return redirect("storefront:cart")
        if form.errors.keys() - {"quantity"}:  # hidden fields: not something the shopper typed
            messages.error(request, _("Your cart changed in the meantime. Please check it and try again."))
            return redirect("storefront:cart")
        bound = form

    rows = []
    for line in summary.lines:
        left = stock_left(line.variant)
        form = bound if bound is not None and bound.initial["line"] == line.index else CartLineForm.for_line(line)
        short = left is not None and summary.variant_quantity(line.variant.pk) > left
        rows.append({"line": line, "form": form, "stock_left": left, "short": short})
    context = {"rows": rows, "summary": summary, **_store_context()}
    return render(request, "storefront/cart.html", context)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
