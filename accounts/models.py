from decimal import Decimal
from typing import ClassVar, Self

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from core.cache import CachedModel, ForgettingManager
from core.search import digits, squeezed, trigram_index, upper

# Signed-in pages read the user from the cache (accounts.backends): every way of changing users clears it.
USER_CACHE_SECONDS = 300


def user_cache_key(user_id) -> str:
    return f"accounts:user:{user_id}"


class UserManager(BaseUserManager, ForgettingManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email=email.strip().lower())

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()  # shoppers sign in by emailed code, never a password
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(CachedModel, AbstractBaseUser, PermissionsMixin):
    """Email is the identity; there is no username."""

    email = models.EmailField(_("email"), max_length=254, unique=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects: ClassVar["UserManager[Self]"] = UserManager()
    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]
        indexes = [trigram_index(upper("email"), name="user_search_email")]  # staff find customers (desk.search)

    def __str__(self) -> str:
        return self.email

    @classmethod
    def cache_keys(cls, ids) -> list[str]:
        return [user_cache_key(pk) for pk in ids]

    def clean(self):
        super().clean()
        self.email = self.email.strip().lower()  # stored lowercased: lookups are exact and use the index


class CustomerGroup(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    discount_percent = models.DecimalField(
        _("group discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discount_percent__gte=0, discount_percent__lte=100), name="group_discount_range"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CustomerProfile(models.Model):
    class ConsentSource(models.TextChoices):
        CHECKOUT = "checkout", _("Checkout")
        ACCOUNT = "account", _("Account page")
        STAFF = "staff", _("Staff")
        IMPORT = "import", _("Import")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("preferred language"), max_length=16, choices=settings.LANGUAGES, blank=True)
    # The IANA zone the shopper's browser last reported (at sign-in, and whenever it changes): their emails'
    # times read in it. Empty: the store's zone.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    vat_id = models.CharField(_("VAT ID"), max_length=32, blank=True)
    tax_exempt = models.BooleanField(_("tax exempt"), default=False)
    group = models.ForeignKey(
        CustomerGroup, verbose_name=_("group"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    marketing_consent = models.BooleanField(_("email marketing consent"), default=False)
    marketing_consent_at = models.DateTimeField(_("consent changed at"), null=True, blank=True)
    marketing_consent_source = models.CharField(
        _("consent source"), max_length=16, choices=ConsentSource.choices, blank=True
    )

    class Meta:
        verbose_name = _("customer profile")
        verbose_name_plural = _("customer profiles")
        indexes = [
            trigram_index(upper("name"), name="profile_search_name"),
            trigram_index(squeezed("vat_id"), name="profile_search_vat_id"),
        ]

    def __str__(self) -> str:
        return self.name or self.user.email


class Address(models.Model):
    """An address in a shopper's book. Orders keep their own snapshot (``as_snapshot``)."""

    SNAPSHOT_FIELDS = ("name", "company", "line1", "line2", "city", "region", "postal_code", "country", "phone")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses")
    name = models.CharField(_("full name"), max_length=200)
    company = models.CharField(_("company"), max_length=200, blank=True)
    line1 = models.CharField(_("address"), max_length=200)
    line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    region = models.CharField(_("state / region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = CountryField(_("country"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=models.Q(is_default=True), name="one_default_address")
        ]
        indexes = [
            trigram_index(upper("line1"), name="address_search_street"),
            trigram_index(squeezed("postal_code"), name="address_search_postal_code"),
            trigram_index(upper("company"), name="address_search_company"),
            trigram_index(digits("phone"), name="address_search_phone"),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.line1}, {self.city}"

    def as_snapshot(self) -> dict:
        data = {field: getattr(self, field) for field in self.SNAPSHOT_FIELDS}
        data["country"] = str(self.country)
        return data


class SignInLink(models.Model):
    """One sign-in email's secrets: a single-use link and the 6-digit code sent with it (either signs in,
    once). Only their hashes are stored; the code's is an HMAC under SECRET_KEY (accounts.tokens.code_digest):
    a copy of the database alone can't be searched through the million possible codes."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_links")
    token_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Set when a newer link was sent or the shopper signed in another way.
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")
        indexes = [models.Index(fields=["user", "used_at", "voided_at"])]

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d %H:%M})"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and self.voided_at is None and self.expires_at > now


class StaffSignInAttempt(models.Model):
    """One POST of the admin sign-in form (accounts.staff_sign_in): who tried, from where, and how it ended.

    Never the password or the code. Read by superusers in admin; rows older than STAFF_SIGN_IN_LOG_DAYS are
    pruned by a periodic job.
    """

    class Outcome(models.TextChoices):
        SIGNED_IN = "signed_in", _("Signed in")
        FAILED = "failed", _("Failed")
        THROTTLED = "throttled", _("Too many attempts")

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    email = models.CharField(_("email typed"), max_length=254, blank=True)
    # The account the typed email belongs to, if any (whether or not the password was right).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.CharField(_("client address"), max_length=64, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)

    class Meta:
        verbose_name = _("staff sign-in attempt")
        verbose_name_plural = _("staff sign-in attempts")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.email or '-'} {self.get_outcome_display()} ({self.created_at:%Y-%m-%d %H:%M})"
