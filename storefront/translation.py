from modeltranslation.translator import TranslationOptions, register

from storefront.models import PickupLocation, Product, ShippingMethod, Variant


@register(Product)
class ProductTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Variant)
class VariantTranslation(TranslationOptions):
    fields = ("name",)


@register(ShippingMethod)
class ShippingMethodTranslation(TranslationOptions):
    fields = ("name",)


@register(PickupLocation)
class PickupLocationTranslation(TranslationOptions):
    fields = ("name",)
