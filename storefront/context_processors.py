from django.utils.functional import SimpleLazyObject

from storefront.cart import Cart


def cart_count(request):
    """``cart_count`` for the header's "Cart (N)": pieces in the session cart, no query.

    Lazy, so pages that don't show it (admin) don't read the session for it.
    """
    session = getattr(request, "session", None)
    return {"cart_count": SimpleLazyObject(lambda: Cart(session).count() if session is not None else 0)}
