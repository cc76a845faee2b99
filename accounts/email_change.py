"""Changing the account's email: a takeover-grade act, so a signed-in session alone is not enough.

The change needs two fresh codes — one sent to the new address (it is yours) and one to the current
address (the account's owner agrees) — entered together. Then the old address is told, with a link that
undoes the change for 7 days and signs out every session: whoever took the session can't keep the
account. Guesses are capped per change (3, counted atomically before comparing, ``core.limits``); code
requests per account (``SIGN_IN_LIMITS["email_change_request"]``).
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import tokens
from accounts.errors import AccountError
from accounts.models import SignInLink, User
from accounts.services import normalize_email, shopper_language
from core.limits import Limit, LimitReached, Rate, clear, give_back, take
from notifications.constants import MessageKind
from notifications.services import notify

EMAIL_CHANGE_MINUTES = 15
EMAIL_CHANGE_MAX_TRIES = 3
UNDO_DAYS = 7
UNDO_SALT = "accounts.email-change-undo"


def _key(user: User) -> str:
    return f"accounts:email-change:{user.pk}"


def _tries(user: User, nonce: str) -> Limit:
    return Limit("email_change_guess", f"{user.pk}:{nonce}", Rate(EMAIL_CHANGE_MAX_TRIES, EMAIL_CHANGE_MINUTES * 60))


def request_email_change(*, user: User, new_email: str, language: str) -> None:
    """Send a code to the new address and one to the current address; nothing changes until both are in."""
    new_email = normalize_email(new_email)
    if new_email == user.email:
        raise AccountError(
            _("That is already your email."), code="same_email", fields={"email": [_("Enter a different email.")]}
        )
    rate = Rate.parse(settings.SIGN_IN_LIMITS["email_change_request"])
    try:
        take(Limit("email_change_request", str(user.pk), rate))
    except LimitReached:
        raise AccountError(
            _("Too many codes were requested. Please wait an hour and try again."), code="rate_limited"
        ) from None
    new_code, current_code, nonce = tokens.new_numeric_code(), tokens.new_numeric_code(), tokens.new_token()
    cache.set(
        _key(user),
        {
            "email": new_email,
            "nonce": nonce,
            "new_code": tokens.code_digest(new_code, nonce),
            "current_code": tokens.code_digest(current_code, nonce + ":current"),
        },
        timeout=EMAIL_CHANGE_MINUTES * 60,
    )
    notify(
        kind=MessageKind.EMAIL_CHANGE_CODE,
        recipient=new_email,
        language=language,
        context={"minutes": EMAIL_CHANGE_MINUTES},
        secrets={"code": new_code},
        secrets_ttl=EMAIL_CHANGE_MINUTES * 60,
    )
    notify(
        kind=MessageKind.EMAIL_CHANGE_APPROVAL,
        recipient=user.email,
        language=shopper_language(user, language),
        context={"minutes": EMAIL_CHANGE_MINUTES, "new_email": new_email},
        secrets={"code": current_code},
        secrets_ttl=EMAIL_CHANGE_MINUTES * 60,
    )


def pending_email_change(user: User) -> str | None:
    pending = cache.get(_key(user))
    return pending["email"] if pending else None


def confirm_email_change(*, user: User, new_code: str, current_code: str) -> User:
    """Both codes right: the email changes, and the old address is told how to undo it."""
    key = _key(user)
    pending = cache.get(key)
    if not pending:
        raise AccountError(_("No email change is waiting, or its code expired. Start again."), code="no_change")
    nonce = pending["nonce"]
    try:
        slot = take(_tries(user, nonce))  # before comparing: simultaneous guesses can't go past the cap
    except LimitReached:
        cache.delete(key)
        raise AccountError(_("Too many wrong codes. Start the change again."), code="too_many_tries") from None
    new_ok = tokens.same_code(new_code.strip(), nonce, pending["new_code"])
    current_ok = tokens.same_code(current_code.strip(), nonce + ":current", pending["current_code"])
    if not (new_ok and current_ok):
        message = _("That code is not right.")
        fields = {}
        if not new_ok:
            fields["new_code"] = [_("Incorrect code.")]
        if not current_ok:
            fields["current_code"] = [_("Incorrect code.")]
        raise AccountError(message, code="bad_code", fields=fields)
    give_back(slot)
    new_email = pending["email"]
    try:
        with transaction.atomic():
            user = User.objects.select_related("profile").select_for_update(of=("self",)).get(pk=user.pk)
            old_email = user.email
            _move_email(user, old_email, new_email)
            notify(
                kind=MessageKind.EMAIL_CHANGED,
                recipient=old_email,
                language=shopper_language(user, settings.LANGUAGE_CODE),
                context={"new_email": new_email, "days": UNDO_DAYS},
                # It undoes the change and signs everyone out for 7 days: never stored, like a sign-in link.
                secrets={
                    "undo_link": settings.SITE_URL + reverse("accounts:undo-email", args=[undo_token(user, old_email)])
                },
                secrets_ttl=UNDO_DAYS * 24 * 3600,
            )
    except IntegrityError:
        cache.delete(key)
        raise AccountError(
            _("Another account already uses that email."), code="email_taken", fields={"email": [_("Already in use.")]}
        ) from None
    cache.delete(key)
    clear(_tries(user, nonce))
    return user


def _move_email(user: User, old_email: str, new_email: str) -> None:
    user.email = new_email
    user.save(update_fields=["email"])
    EmailAddress.objects.filter(user=user, email__iexact=old_email).delete()
    EmailAddress.objects.update_or_create(user=user, email=new_email, defaults={"verified": True, "primary": True})


def undo_token(user: User, old_email: str) -> str:
    return signing.dumps({"u": user.pk, "old": old_email, "new": user.email}, salt=UNDO_SALT, compress=True)


def read_undo_token(token: str) -> dict | None:
    try:
        data = signing.loads(token, salt=UNDO_SALT, max_age=UNDO_DAYS * 24 * 3600)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) and {"u", "old", "new"} <= data.keys() else None


def undo_email_change(*, token: str) -> User:
    """Put the old email back and sign out every session. Works while the account still has the email the
    change gave it (so once, in practice), for 7 days."""
    data = read_undo_token(token)
    if data is None:
        raise AccountError(_("This link has expired or is not valid."), code="undo_invalid")
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=data["u"]).first()
        if user is None or user.email != data["new"]:
            raise AccountError(_("This change was already undone or changed again."), code="undo_stale")
        try:
            with transaction.atomic():
                _move_email(user, data["new"], data["old"])
        except IntegrityError:
            raise AccountError(_("Another account now uses your old email."), code="email_taken") from None
        # Every session's hash derives from the password hash: a new unusable one ends them all.
        user.set_unusable_password()
        user.save(update_fields=["password"])
        SignInLink.objects.filter(user=user, used_at=None, voided_at=None).delete()
    cache.delete(_key(user))
    return user
