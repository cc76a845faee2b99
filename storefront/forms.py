"""Forms of the catalog pages and the cart. They check input against the cart and stock; they write nothing."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from storefront.cart import MAX_CUSTOMIZATION, MAX_LINES, MAX_QUANTITY, Cart

LOW_STOCK = 5  # "Only N left" from this many down


def stock_left(variant) -> int | None:
    """Pieces left to sell, or None when the variant doesn't track inventory (never runs out)."""
    return max(variant.stock, 0) if variant.track_inventory else None


def is_sold_out(variant) -> bool:
    return stock_left(variant) == 0


def is_low_stock(variant) -> bool:
    left = stock_left(variant)
    return left is not None and 0 < left <= LOW_STOCK


def not_enough_stock(*, left: int, in_cart: int) -> str:
    if in_cart:
        return ngettext(
            "Only %(left)s left, and your cart already holds %(in_cart)s.",
            "Only %(left)s left, and your cart already holds %(in_cart)s.",
            left,
        ) % {"left": left, "in_cart": in_cart}
    return ngettext("Only %(left)s left.", "Only %(left)s left.", left) % {"left": left}


class VariantRadioSelect(forms.RadioSelect):
    """Radio buttons with the sold-out variants disabled."""

    def __init__(self, *args, disabled_values=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.disabled_values = {str(value) for value in disabled_values}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.disabled_values:
            option["attrs"]["disabled"] = True
        return option


class AddToCartForm(forms.Form):
    """Pick a variant of one product, a quantity and (for customizable products) a personalization.

    ``variants`` are the product's prefetched variants, so building and checking the form costs no
    query. Stock is checked against what the cart already holds of the variant.
    """

    variant = forms.TypedChoiceField(label=_("Size or colour"), coerce=int)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1)
    customization = forms.CharField(
        label=_("Personalization"),
        max_length=MAX_CUSTOMIZATION,
        required=False,
        help_text=_("Optional, up to 200 characters, for example the text to engrave."),
    )

    def __init__(self, *args, product, variants, cart: Cart, **kwargs):
        super().__init__(*args, **kwargs)
        self.product, self.cart = product, cart
        self.variants = {variant.pk: variant for variant in variants}
        field = cast(forms.TypedChoiceField, self.fields["variant"])
        field.widget = VariantRadioSelect(  # before the choices: setting them fills the widget's
            disabled_values=[variant.pk for variant in variants if is_sold_out(variant)],
        )
        # The label is the variant itself: the template shows its name, price and stock.
        field.choices = [(variant.pk, variant) for variant in variants]
        on_sale = [variant for variant in variants if not is_sold_out(variant)]
        if on_sale:
            field.initial = on_sale[0].pk
        self.fields["quantity"].widget.attrs.update({"inputmode": "numeric", "class": "qty"})
        if not product.is_customizable:
            del self.fields["customization"]

    @property
    def sold_out(self) -> bool:
        return all(is_sold_out(variant) for variant in self.variants.values())

    def clean(self):
        data = super().clean()
        variant = self.variants.get(data.get("variant"))
        quantity = data.get("quantity")
        if variant is None or quantity is None:
            return data
        data["variant"] = variant
        data["customization"] = data.get("customization", "").strip()
        left = stock_left(variant)
        in_cart = self.cart.quantity_of(variant.pk)
        if left == 0:
            self.add_error("variant", _("This one is out of stock."))
        elif left is not None and in_cart + quantity > left:
            self.add_error("quantity", not_enough_stock(left=left, in_cart=in_cart))
        elif self.cart.quantity_of(variant.pk, data["customization"]) + quantity > MAX_QUANTITY:
            self.add_error(
                "quantity",
                _("A cart line holds at most %(max)s pieces.") % {"max": MAX_QUANTITY},
            )
        elif not self.cart.quantity_of(variant.pk, data["customization"]) and len(self.cart) >= MAX_LINES:
            raise forms.ValidationError(_("Your cart is full. Check out or remove something first."))
        return data


class CartLineForm(forms.Form):
    """Update or remove one cart line. ``line`` and ``variant`` say which line the shopper saw, so a
    cart changed in another tab is noticed instead of changing the wrong line."""

    UPDATE, REMOVE = "update", "remove"

    action = forms.ChoiceField(choices=[(UPDATE, UPDATE), (REMOVE, REMOVE)], widget=forms.HiddenInput)
    line = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    variant = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, max_value=MAX_QUANTITY, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quantity"].widget.attrs.update({"inputmode": "numeric", "class": "qty"})

    @classmethod
    def for_line(cls, line, data=None) -> CartLineForm:
        """The form of one cart row (its own element ids, so many fit on one page)."""
        initial = {"action": cls.UPDATE, "line": line.index, "variant": line.variant.pk, "quantity": line.quantity}
        return cls(data, initial=initial, auto_id=f"line{line.index}-%s")

    def clean(self):
        data = super().clean()
        if data.get("action") == self.UPDATE and data.get("quantity") is None and "quantity" not in self.errors:
            self.add_error("quantity", forms.Field.default_error_messages["required"])
        return data
