"""Writes of the accounts app: customers, sign-in links, profile, email change, address book."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import update_session_auth_hash
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

from accounts import tokens
from accounts.errors import AccountError
from accounts.models import Address, CustomerGroup, CustomerProfile, SignInLink, User


def normalize_email(email: str) -> str:
    return email.strip().lower()


def get_or_create_customer(*, email: str, name: str = "", language: str = "") -> User:
    """The shopper account for an email, created on first order (no password: they sign in by code)."""
    email = normalize_email(email)
    # Emails are stored lowercased, so an exact match uses the unique index (iexact would scan).
    user = User.objects.filter(email=email).select_related("profile").first()
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(email)
                CustomerProfile.objects.create(user=user, name=name, language=language)
                return user
        except IntegrityError:
            # Two first orders for one email at once: the other created it.
            user = User.objects.select_related("profile").get(email=email)
    profile, _created = CustomerProfile.objects.get_or_create(user=user)
    changed = []
    if name and not profile.name:
        profile.name = name
        changed.append("name")
    if language and not profile.language:
        profile.language = language
        changed.append("language")
    if changed:
        profile.save(update_fields=changed)
    return user


def shopper_language(user: User, fallback: str) -> str:
    profile = getattr(user, "profile", None)
    return (profile.language if profile else "") or fallback


def save_preferences(*, user: User, language: str = "", time_zone: str = "") -> None:
    """Keep a shopper's language and time zone (those given) on their profile: what their emails are rendered
    in. One UPDATE (an account without a profile gets one)."""
    changes = {field: value for field, value in (("language", language), ("time_zone", time_zone)) if value}
    if not changes:
        return
    if not CustomerProfile.objects.filter(user=user).update(**changes):
        CustomerProfile.objects.update_or_create(user=user, defaults=changes)


# --- sign-in ---------------------------------------------------------------------------------


def can_sign_in_by_email(user: User | None) -> bool:
    """Staff sign in to admin with a password and TOTP, never with an emailed code or link."""
    return user is not None and user.is_active and not user.is_staff


def find_sign_in_link(token: str) -> SignInLink | None:
    """The usable link for a token, without spending it (the GET confirm page)."""
    link = SignInLink.objects.select_related("user").filter(token_hash=tokens.digest(token)).first()
    if link is None or not link.is_usable() or not can_sign_in_by_email(link.user):
        return None
    return link


def redeem_sign_in_link(*, token: str) -> User:
    """Spend a link: at most once, before it expires, only the newest one."""
    with transaction.atomic():
        link = (
            SignInLink.objects.select_for_update()
            .select_related("user")
            .filter(token_hash=tokens.digest(token))
            .first()
        )
        if link is None or not can_sign_in_by_email(link.user):
            raise AccountError(_("This sign-in link is not valid."), code="link_invalid")
        if link.used_at is not None:
            raise AccountError(_("This sign-in link was already used."), code="link_used")
        if link.voided_at is not None:
            raise AccountError(_("A newer sign-in link was sent; use that one."), code="link_replaced")
        if link.expires_at <= timezone.now():
            raise AccountError(_("This sign-in link has expired."), code="link_expired")
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
    return link.user


def record_sign_in(*, user: User) -> None:
    """After any shopper sign-in: the email is proven, and outstanding links are void."""
    SignInLink.objects.filter(user=user, used_at=None, voided_at=None).update(voided_at=timezone.now())
    address, created = EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    if not created and not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])


def sign_out_other_sessions(*, request, user: User) -> None:
    """Every session hash derives from the password hash: a fresh unusable one invalidates the others."""
    if user.has_usable_password():
        raise AccountError(_("Staff accounts manage their sessions in admin."), code="staff")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    update_session_auth_hash(request, user)


# --- profile ---------------------------------------------------------------------------------


def validate_vat_id(vat_id: str) -> str:
    """An EU VAT number in compact form ("NL123456789B01"), or "" for none."""
    vat_id = vat_id.strip()
    if not vat_id:
        return ""
    try:
        return eu_vat.validate(vat_id)
    except StdnumError:
        raise AccountError(
            _("Enter a valid EU VAT number, starting with its country code."),
            code="bad_vat_id",
            fields={"vat_id": [_("Not a valid EU VAT number.")]},
        ) from None


def update_profile(
    *, user: User, name: str, language: str, vat_id: str, marketing_consent: bool, source: str
) -> CustomerProfile:
    vat_id = validate_vat_id(vat_id)
    with transaction.atomic():
        profile, _created = CustomerProfile.objects.select_for_update().get_or_create(user=user)
        profile.name, profile.language, profile.vat_id = name.strip(), language, vat_id
        fields = ["name", "language", "vat_id"]
        if marketing_consent != profile.marketing_consent:
            # Consent is evidence: when and where it changed is kept with it.
            profile.marketing_consent = marketing_consent
            profile.marketing_consent_at = timezone.now()
            profile.marketing_consent_source = source
            fields += ["marketing_consent", "marketing_consent_at", "marketing_consent_source"]
        profile.save(update_fields=fields)
    return profile


def set_customer_terms(*, user: User, group: CustomerGroup | None, tax_exempt: bool) -> list[str]:
    """Staff set what a customer pays: their group (its discount) and tax exemption. Returns the fields changed;
    orders placed before keep their prices."""
    with transaction.atomic():
        profile, _created = CustomerProfile.objects.select_for_update().get_or_create(user=user)
        changed = [
            field
            for field, value in (("group_id", group.pk if group else None), ("tax_exempt", tax_exempt))
            if getattr(profile, field) != value
        ]
        if changed:
            profile.group, profile.tax_exempt = group, tax_exempt
            profile.save(update_fields=changed)
    return changed


# --- address book ------------------------------------------------------------------------------


def save_address(*, user: User, data: dict, address: Address | None = None, make_default: bool = False) -> Address:
    with transaction.atomic():
        if address is None:
            address = Address(user=user)
        elif address.user_id != user.pk:
            raise AccountError(_("Address not found."), code="not_found")
        for field in Address.SNAPSHOT_FIELDS:
            if field in data:
                setattr(address, field, data[field])
        first = not Address.objects.filter(user=user).exclude(pk=address.pk).exists()
        if make_default or first:
            Address.objects.filter(user=user, is_default=True).exclude(pk=address.pk).update(is_default=False)
            address.is_default = True
        address.save()
    return address


def delete_address(*, user: User, address_id: int) -> None:
    with transaction.atomic():
        address = Address.objects.select_for_update().filter(user=user, pk=address_id).first()
        if address is None:
            raise AccountError(_("Address not found."), code="not_found")
        address.delete()
        if address.is_default:
            # The oldest remaining address becomes the default, so one always is.
            successor = Address.objects.filter(user=user).order_by("pk").first()
            if successor is not None:
                successor.is_default = True
                successor.save(update_fields=["is_default"])


# --- staff two-factor ----------------------------------------------------------------------------


def give_staff_totp(*, user: User, backup_tokens: int = 5):
    """A confirmed TOTP device plus fresh static backup tokens for a staff user (replacing older ones)."""
    if not user.is_staff:
        raise AccountError(_("Only staff accounts use authenticator codes."), code="not_staff")
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, name="authenticator").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        static, _created = StaticDevice.objects.get_or_create(user=user, name="backup", defaults={"confirmed": True})
        static.token_set.all().delete()
        tokens_ = [StaticToken.random_token() for _ in range(backup_tokens)]
        StaticToken.objects.bulk_create(StaticToken(device=static, token=token) for token in tokens_)
    return device, tokens_


def withdraw_marketing_consent(*, user: User, source: str = CustomerProfile.ConsentSource.UNSUBSCRIBE) -> bool:
    """Stop marketing email (transactional mail still comes). False when there was no consent to withdraw."""
    with transaction.atomic():
        profile = CustomerProfile.objects.select_for_update().filter(user=user).first()
        if profile is None or not profile.marketing_consent:
            return False
        profile.marketing_consent = False
        profile.marketing_consent_at = timezone.now()
        profile.marketing_consent_source = source
        profile.save(update_fields=["marketing_consent", "marketing_consent_at", "marketing_consent_source"])
    return True
