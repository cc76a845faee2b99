from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

from core.cache import CachedModel, CachedSettingsRow, forget
from core.money import MONEY_DIGITS

# Every tax and shipping rate, method and pickup place (selectors.catalog_rates).
RATES_CACHE_KEY = "storefront:rates"
# A token that changes with anything of the catalog an order's page shows beside the order's own rows (a
# product's picture and name, a variant's name, a pickup place, a delivery method): part of the cached pages'
# and list rows' keys (selectors.catalog_stamp).
CATALOG_STAMP_KEY = "storefront:catalog-stamp"


class ShownOnOrderPages(CachedModel):
    """Catalog rows whose writes also change the catalog stamp."""

    class Meta:
        abstract = True

    @classmethod
    def cache_keys(cls, ids) -> list[str]:
        return [*super().cache_keys(ids), CATALOG_STAMP_KEY]


# MANAGER_NOTE: modeltranslation (translation.py) swaps the managers of the models it translates for a
# class made at runtime, which django-stubs cannot find: it reports django-manager-missing on those
# classes and types ``objects`` as a plain manager of the model, which is what the code relies on. A CachedModel
# keeps the ForgettingManager it inherits (Product's ignore is for Variant's ``variants`` manager).


SIGN_IN_LINK_MINUTES_MIN, SIGN_IN_LINK_MINUTES_MAX = 1, 14 * 24 * 60
SIGN_IN_LINK_RANGE = _("Enter a lifetime from 1 minute to 14 days (20160 minutes).")


def default_store_country() -> str:
    """A new store's country: ``STORE_COUNTRY`` from the environment (admin changes it after)."""
    return settings.STORE_COUNTRY


def validate_vat_id(value: str) -> None:
    """An EU VAT number (python-stdnum checks its country's format and check digits)."""
    try:
        eu_vat.validate(value)
    except StdnumError:
        raise ValidationError(_("Not a valid EU VAT number."), code="bad_vat_id") from None


class StoreSettings(CachedSettingsRow):
    """The one store this deploy runs (a singleton row: ``StoreSettings.load()``, or ``cached()`` to show it)."""

    name = models.CharField(_("store name"), max_length=200, default="Aftersale Demo Store")
    address = models.TextField(_("store address"), blank=True)
    country = CountryField(
        _("store country"),
        default=default_store_country,
        help_text=_("Listed first in every country list, and the country a new address starts with."),
    )
    # The seller's VAT number printed on every invoice (orders.invoices); issued invoices keep the one they had.
    vat_id = models.CharField(
        _("store VAT ID"),
        max_length=32,
        blank=True,
        validators=[validate_vat_id],
        help_text=_("Printed on invoices as the seller's VAT number, e.g. NL123456789B01."),
    )
    support_email = models.EmailField(_("support email"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="store/", blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    language = models.CharField(
        _("store language"),
        max_length=16,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("The language of the emails the store receives (alerts)."),
    )
    prices_include_tax = models.BooleanField(
        _("prices are entered with tax"),
        default=True,
        help_text=_("On for EU-style stores: catalog prices include VAT."),
    )
    # Lives here, below orders, because the fulfilment hold of every order depends on it;
    # the editing policy reads the same value. None = no time limit.
    edit_window_minutes = models.PositiveIntegerField(
        _("edit window (minutes)"),
        null=True,
        blank=True,
        default=60,
        validators=[MinValueValidator(3)],
        help_text=_("How long after placing an order shoppers may change it. Empty: no limit."),
    )
    # Lives here, below orders, because jobs of every app alert the merchant (refund failed, request expired).
    alert_email = models.EmailField(
        _("alert email"),
        blank=True,
        help_text=_("Where the store is told about edits, failed refunds and unpaid edits."),
    )
    hold_unpaid_orders = models.BooleanField(
        _("hold unpaid orders"),
        default=True,
        help_text=_(
            "Keep orders with a balance due (placed without payment, or partly paid) from the warehouse "
            "until they are paid or staff release them. Orders whose edit asks for payment are always held."
        ),
    )
    auto_archive_days = models.PositiveSmallIntegerField(
        _("archive finished orders after (days)"),
        null=True,
        blank=True,
        default=30,
        help_text=_("Orders fully paid and fulfilled are archived this long after their last change. Empty: never."),
    )
    agent_refund_limit = models.DecimalField(
        _("support agents' refund limit"),
        **MONEY_DIGITS,
        default=Decimal("100"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Staff in the Support agents group may refund up to this much at a time; managers have no limit."),
    )

    send_order_confirmation = models.BooleanField(
        _("send order confirmations"),
        default=True,
        help_text=_("Email the customer a confirmation when an order is placed (checkout, the API, staff)."),
    )
    # Empty: the deploy's SIGN_IN_LINK_MINUTES (accounts.sign_in.link_minutes); set here, it wins.
    sign_in_link_minutes = models.PositiveIntegerField(
        _("sign-in link lifetime (minutes)"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(SIGN_IN_LINK_MINUTES_MIN, message=SIGN_IN_LINK_RANGE),
            MaxValueValidator(SIGN_IN_LINK_MINUTES_MAX, message=SIGN_IN_LINK_RANGE),
        ],
        help_text=_(
            "How long the link in a sign-in email works: 1 minute to 14 days (20160 minutes). "
            "Empty: the server's default."
        ),
    )

    cache_key = "storefront:settings"

    class Meta:
        verbose_name = _("store settings")
        verbose_name_plural = _("store settings")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def load(cls) -> "StoreSettings":
        obj = cls.objects.order_by("pk").first()
        if obj is None:
            obj = cls.objects.create(name=settings.STORE_NAME, currency=settings.STORE_CURRENCY)
        return obj


class Product(CachedModel):  # type: ignore[django-manager-missing]  # see MANAGER_NOTE
    name = models.CharField(_("name"), max_length=200)  # translated (translation.py)
    description = models.TextField(_("description"), blank=True)  # translated
    slug = models.SlugField(_("slug"), unique=True)
    option_names = models.JSONField(
        _("option names"),
        default=list,
        blank=True,
        help_text=_('Variant option keys in order, e.g. ["size", "colour"].'),
    )
    image_url = models.CharField(_("image"), max_length=300, blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    is_customizable = models.BooleanField(
        _("customizable"), default=False, help_text=_("Takes a personalization such as an engraving.")
    )
    is_returnable = models.BooleanField(
        _("returnable"),
        default=True,
        help_text=_("Off: shoppers can't return or exchange it (personalized items follow the return policy)."),
    )

    cache_key = CATALOG_STAMP_KEY  # its picture and name show on order pages

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Variant(models.Model):  # type: ignore[django-manager-missing]  # see MANAGER_NOTE
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(_("name"), max_length=200, help_text=_('e.g. "M / Navy"'))  # translated
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    options = models.JSONField(
        _("options"), default=dict, blank=True, help_text=_('e.g. {"size": "M", "colour": "navy"}')
    )
    price = models.DecimalField(_("price"), **MONEY_DIGITS, validators=[MinValueValidator(Decimal("0"))])
    stock = models.IntegerField(_("stock"), default=0)
    track_inventory = models.BooleanField(_("track inventory"), default=True)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), default=0)
    is_fee = models.BooleanField(_("fee"), default=False, help_text=_("A fee line such as gift wrapping or a deposit."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["product_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="variant_price_not_negative"),
            models.CheckConstraint(
                condition=models.Q(track_inventory=False) | models.Q(stock__gte=0), name="variant_stock_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} – {self.name}"

    def in_stock(self, quantity: int) -> bool:
        return not self.track_inventory or self.stock >= quantity


def _variant_shown_on_order_pages(sender, instance, **kwargs) -> None:
    """Order pages show a line's variant by its current name (orders.selectors), so saving or deleting a
    variant changes the catalog stamp their cached renders are keyed by. Not a CachedModel: stock moves by
    ``update()`` on every order and must not touch the stamp; a name changed by ``update()`` or
    ``bulk_update()`` (no signal) shows once the order next changes, or after a save of any product."""
    forget([CATALOG_STAMP_KEY])


post_save.connect(_variant_shown_on_order_pages, sender=Variant, dispatch_uid="catalog-stamp:variant-saved")
post_delete.connect(_variant_shown_on_order_pages, sender=Variant, dispatch_uid="catalog-stamp:variant-deleted")


class ShippingMethod(ShownOnOrderPages):
    name = models.CharField(_("name"), max_length=100)  # translated
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    code = models.SlugField(_("code"), unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    cache_key = RATES_CACHE_KEY  # read with the rates (selectors.catalog_rates)

    class Meta:
        verbose_name = _("shipping method")
        verbose_name_plural = _("shipping methods")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class ShippingRate(CachedModel):
    """A price for a method within a country (blank: anywhere) and an order-value and weight band."""

    method = models.ForeignKey(ShippingMethod, on_delete=models.CASCADE, related_name="rates")
    country = CountryField(_("country"), blank=True, help_text=_("Empty: every country without a rate of its own."))
    min_order_value = models.DecimalField(_("from order value"), **MONEY_DIGITS, default=Decimal("0"))
    max_order_value = models.DecimalField(_("below order value"), **MONEY_DIGITS, null=True, blank=True)
    min_weight_grams = models.PositiveIntegerField(_("from weight (g)"), default=0)
    max_weight_grams = models.PositiveIntegerField(_("below weight (g)"), null=True, blank=True)
    price = models.DecimalField(_("price"), **MONEY_DIGITS, validators=[MinValueValidator(Decimal("0"))])

    cache_key = RATES_CACHE_KEY

    class Meta:
        verbose_name = _("shipping rate")
        verbose_name_plural = _("shipping rates")
        ordering = ["method_id", "country", "min_order_value", "min_weight_grams"]

    def __str__(self) -> str:
        return f"{self.method} {self.country or '*'}: {self.price}"


class PickupLocation(ShownOnOrderPages):
    name = models.CharField(_("name"), max_length=100)  # translated
    address = models.TextField(_("address"))
    country = CountryField(_("country"))
    hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    cache_key = RATES_CACHE_KEY  # read with the rates (selectors.catalog_rates)

    class Meta:
        verbose_name = _("pickup location")
        verbose_name_plural = _("pickup locations")

    def __str__(self) -> str:
        return self.name


class TaxRate(CachedModel):
    country = CountryField(_("country"))
    region = models.CharField(_("region"), max_length=100, blank=True, help_text=_("Empty: the whole country."))
    rate = models.DecimalField(
        _("rate"),
        max_digits=6,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("0.2100 for 21%"),
    )
    name = models.CharField(_("name"), max_length=50, default="VAT")

    cache_key = RATES_CACHE_KEY

    class Meta:
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")
        constraints = [models.UniqueConstraint(fields=["country", "region"], name="one_tax_rate_per_region")]

    def __str__(self) -> str:
        return f"{self.country}{'/' + self.region if self.region else ''}: {self.rate:%}"


class DiscountCode(models.Model):
    code = models.CharField(_("code"), max_length=50, unique=True)
    percent = models.DecimalField(
        _("percent off"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("discount code")
        verbose_name_plural = _("discount codes")

    def __str__(self) -> str:
        return self.code
