"""Checkout: the cart becomes an order through ``place_order`` and is paid through the gateway."""

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.selectors import address_book
from core.errors import ApplicationError
from orders import payment_pages
from orders.checkout_forms import CheckoutForm
from orders.services import LineRequest, store_credit_balance
from orders.services.payments import checkout_order
from orders.services.placing import quote_order
from orders.status_links import status_path
from storefront.cart import Cart
from storefront.models import PickupLocation, ShippingMethod, StoreSettings
from storefront.selectors import cart_lines


def _line_requests(cart: Cart) -> list[LineRequest]:
    return [
        LineRequest(variant_id=item.variant_id, quantity=item.quantity, customization=item.customization)
        for item in cart.items()
    ]


@require_http_methods(["GET", "POST"])
def checkout(request):
    cart = Cart(request.session)
    if not len(cart):
        messages.info(request, _("Your cart is empty."))
        return redirect("storefront:cart")
    user = request.user if request.user.is_authenticated and not request.user.is_staff else None
    credit = store_credit_balance(user) if user else None
    initial = {"attempt": uuid.uuid4().hex}
    if user:
        profile = getattr(user, "profile", None)
        initial.update(email=user.email, name=getattr(profile, "name", ""), vat_id=getattr(profile, "vat_id", ""))
    form = CheckoutForm(
        request.POST or None,
        initial=initial,
        credit=credit,
        methods=ShippingMethod.objects.filter(is_active=True).order_by("position", "pk"),
        pickups=PickupLocation.objects.filter(is_active=True).order_by("pk"),
        addresses=address_book(user) if user else (),
        client_side=payment_pages.client_side(),
    )
    lines, quote, action = _line_requests(cart), None, None
    if request.method == "POST" and form.is_valid():
        order_input = {
            "email": user.email if user else form.cleaned_data["email"],
            "lines": lines,
            "shipping_address": form.shipping_address(),
            "shipping_method": form.shipping_method,
            "pickup_location": form.pickup_location,
            "discount_code": form.cleaned_data["discount_code"],
        }
        try:
            if request.POST.get("action") == "quote":
                quote = quote_order(**order_input)
            else:
                payment_pages.answer_bank(request, form)
                order = checkout_order(
                    **order_input,
                    name=form.cleaned_data["name"],
                    vat_id=form.cleaned_data["vat_id"],
                    language=translation.get_language() or "en",
                    card_number=form.payment(),
                    attempt_key=form.cleaned_data["attempt"],
                    use_store_credit=form.cleaned_data.get("use_store_credit", False),
                    actor=user,
                )
        except ApplicationError as error:
            action = payment_pages.after_refusal(request, form, error)
        else:
            if quote is None:
                cart.clear()
                messages.success(
                    request,
                    _("Thank you! Order #%(number)s is placed; we've emailed you a confirmation.")
                    % {"number": order.number},
                )
                # A signed-in shopper's order is in their account: its page, not the status link's.
                if user is not None:
                    return redirect("orders:detail", number=order.number)
                return redirect(status_path(order.number))
    response = render(
        request,
        "orders/checkout.html",
        {
            "form": form,
            "quote": quote,
            "summary": cart_lines(cart.items()),
            "currency": StoreSettings.load().currency,
            "credit": credit,
            "signed_in": user is not None,
            **payment_pages.page_context(action=action),
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )
    return payment_pages.with_gateway_policy(response)
