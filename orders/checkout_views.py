"""Checkout: the cart becomes an order through ``place_order`` and is paid through the gateway."""

from django.shortcuts import redirect


def checkout(request):
    # Filled in by the money-movement work (issue 6); until then the cart is where checkout starts.
    return redirect("storefront:cart")
