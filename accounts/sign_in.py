"""Shopper sign-in by an emailed code or link, with limits that hold under attack.

One email carries both secrets (``SignInLink``: only their hashes are stored; the session keeps only the
row's id). Every attempt takes its slots in Redis before anything is compared (``core.limits``): a code
request takes one per client address and one per email; a guess takes one for the code (3 per code), one
for the email and one for the address, all at once — so 40 simultaneous guesses on any number of workers
compare at most 3 against one code. A right code gives its slots back: an office's shared address is not
punished for shoppers who type their codes right. Rates: ``SIGN_IN_LIMITS``; the address is read through
``TRUSTED_PROXIES`` (``core.client_ip``).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import tokens
from accounts.errors import AccountError
from accounts.models import SignInLink, User
from accounts.services import can_sign_in_by_email, normalize_email, shopper_language
from core.limits import Limit, LimitReached, Rate, give_back, take, used
from core.links import site_url
from notifications.constants import MessageKind
from notifications.services import notify
from storefront.models import StoreSettings


def sign_in_limit(name: str, subject: str) -> Limit:
    return Limit(name, subject, Rate.parse(settings.SIGN_IN_LIMITS[name]))


def code_limit(subject: str) -> Limit:
    """Guesses at one emailed code, over its lifetime."""
    return Limit("code_guess_code", subject, Rate(settings.SIGN_IN_CODE_TRIES, settings.SIGN_IN_CODE_SECONDS))


def request_code(*, email: str, ip: str, language: str, chosen: bool = False) -> int | None:
    """Mail a code and a link to the account with this email; the id of their row, or None for an email
    that can't sign in this way (no account: told so if the merchant chose; staff: nothing) — the page
    answers the same either way.

    ``language``: the page's, where the code was asked for; ``chosen``: picked with the switcher on this
    device (its cookie), which beats the account's stored language as it will at sign-in."""
    email = normalize_email(email)
    try:
        take(sign_in_limit("code_request_ip", ip), sign_in_limit("code_request_email", email))
    except LimitReached:
        message = _("Too many sign-in codes were requested. Please wait an hour and try again.")
        raise AccountError(message, code="rate_limited", fields={"email": [message]}) from None
    user = User.objects.select_related("profile").filter(email=email).first()
    if user is None:
        if settings.ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS:
            notify(
                kind=MessageKind.UNKNOWN_ACCOUNT,
                recipient=email,
                language=language,
                context={"shop_url": site_url("/")},
            )
        return None
    if not can_sign_in_by_email(user):
        return None  # staff sign in through admin
    return send_sign_in_email(user=user, language=language, chosen=chosen)


def link_minutes() -> int:
    """How long a new sign-in link works: the store settings' lifetime when staff set one in admin, else the
    deploy's ``SIGN_IN_LINK_MINUTES``. Read through the settings row's cache, which never holds a value an
    uncommitted transaction wrote (core.cache)."""
    return StoreSettings.cached().sign_in_link_minutes or settings.SIGN_IN_LINK_MINUTES


def send_sign_in_email(*, user: User, language: str, chosen: bool = False) -> int:
    """A new code and link for the user (older unused ones stop working), mailed in the language chosen on
    the device that asked (``chosen``), else the account's, else the page's (``language``)."""
    now, minutes = timezone.now(), link_minutes()
    token, code = tokens.new_token(), tokens.new_numeric_code()
    token_hash = tokens.digest(token)
    with transaction.atomic():
        SignInLink.objects.filter(user=user, used_at=None, voided_at=None).update(voided_at=now)
        link = SignInLink.objects.create(
            user=user,
            token_hash=token_hash,
            code_hash=tokens.code_digest(code, token_hash),
            expires_at=now + timedelta(minutes=minutes),
        )
        notify(
            kind=MessageKind.SIGN_IN_CODE,
            recipient=user.email,
            language=language if chosen else shopper_language(user, language),
            context={
                "code_minutes": settings.SIGN_IN_CODE_SECONDS // 60,
                "link_minutes": minutes,
            },
            # Never stored: held in Redis until sent, for as long as the longer-lived of the two works.
            secrets={"code": code, "link": site_url(reverse("accounts:sign-in-link", args=[token]))},
            secrets_ttl=max(settings.SIGN_IN_CODE_SECONDS, minutes * 60),
        )
    return link.pk


def check_code(*, link_id: int | None, email: str, code: str, ip: str) -> User:
    """Spend one guess and compare. Returns the user for a right code (spent: it works once).

    Raises AccountError: ``bad_code`` (compared and wrong; the last try voids the code), or — compared
    with nothing — ``code_used_up`` (ask for a new one), ``too_many_for_email``, ``too_many_for_ip``.
    """
    email = normalize_email(email)
    per_code = code_limit(f"link:{link_id}" if link_id else f"none:{email}")
    try:
        slot = take(per_code, sign_in_limit("code_guess_email", email), sign_in_limit("code_guess_ip", ip))
    except LimitReached as reached:
        if reached.limit.name == per_code.name:
            _void(link_id)
            raise AccountError(_("Too many wrong codes. We can send you a new one."), code="code_used_up") from None
        if reached.limit.name == "code_guess_email":
            message = _("Too many wrong codes for this email. Please try again in an hour.")
            raise AccountError(message, code="too_many_for_email") from None
        message = _("Too many wrong codes from your network. Please try again in an hour.")
        raise AccountError(message, code="too_many_for_ip") from None
    user = _spend(link_id, code.strip())
    if user is not None:
        give_back(slot)  # a right code doesn't count against the email or the address
        return user
    if used(per_code) >= per_code.rate.count:
        _void(link_id)
        message = _("Incorrect code. That was the last try for this code: ask for a new one below.")
    else:
        message = _("Incorrect code.")
    raise AccountError(message, code="bad_code", fields={"code": [message]})


def _spend(link_id: int | None, code: str) -> User | None:
    """The link's user if ``code`` is its code and it is still usable; spent at most once."""
    if not link_id or not (code.isdigit() and len(code) == 6):
        return None
    link = SignInLink.objects.select_related("user").filter(pk=link_id).first()
    now = timezone.now()
    if link is None or not link.is_usable(now) or not can_sign_in_by_email(link.user):
        return None
    if link.created_at + timedelta(seconds=settings.SIGN_IN_CODE_SECONDS) <= now:
        return None  # the code's lifetime is its own, usually shorter than the link's
    if not tokens.same_code(code, link.token_hash, link.code_hash):
        return None
    spent = SignInLink.objects.filter(pk=link.pk, used_at=None, voided_at=None).update(used_at=now)
    return link.user if spent else None


def _void(link_id: int | None) -> None:
    if link_id:
        SignInLink.objects.filter(pk=link_id, used_at=None, voided_at=None).update(voided_at=timezone.now())


def link_attempt(*, ip: str) -> bool:
    """Opening or spending a sign-in link takes a slot per address; False when none is left."""
    try:
        take(sign_in_limit("link_ip", ip))
    except LimitReached:
        return False
    return True
