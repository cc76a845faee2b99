"""Admin sign-in: email, password and an authenticator (or backup) code, checked together, limited, logged.

One answer for every failure — unknown email, wrong password, right password with a wrong or missing code,
an inactive or non-staff account — so the form is no oracle for the password. Each path runs the password
hasher exactly once (the staff backend alone: allauth's backend would hash a second time, but only after a
wrong password) and looks a device up once; the code is verified only when the password was right, so a
stranger can't burn a staff member's device throttle.

Before any of that, the attempt takes a slot in two sliding windows (``core.limits``): one per account (the
typed email, lowercased) and one per client address (``core.client_ip``). Taking is atomic across workers,
so simultaneous attempts can't pass the cap; a success gives its slots back. A full window refuses the
attempt without checking the password. With Redis away, ``take`` raises ``RedisUnavailable`` and the
request answers 503 (``core.middleware``): no guess goes unchecked by the limits.

Every attempt leaves a ``StaffSignInAttempt`` row (never the password or the code).
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.backends import StaffBackend
from accounts.models import StaffSignInAttempt, User
from accounts.services import normalize_email
from core import limits
from core.client_ip import client_ip
from core.redis_outage import RedisUnavailable

BACKEND = "accounts.backends.StaffBackend"
USER_AGENT_LENGTH = StaffSignInAttempt._meta.get_field("user_agent").max_length or 300
PRUNE_BATCH = 5000


class StaffSignInRefused(Exception):
    """Any failure: the form shows one message for all of them."""


class StaffSignInThrottled(StaffSignInRefused):
    """A limit is full: nothing was checked."""


def staff_limits(*, email: str, address: str) -> list[limits.Limit]:
    """The windows an attempt takes a slot in: the account (when an email was typed) and the address."""
    rates = settings.STAFF_SIGN_IN_LIMITS
    windows = [limits.Limit("staff-sign-in-ip", address, limits.Rate.parse(rates["ip"]))]
    if email:
        windows.insert(0, limits.Limit("staff-sign-in-account", email, limits.Rate.parse(rates["account"])))
    return windows


def device_for_code(user, code: str):
    """The device a code is for, by its shape (6 digits: the authenticator app; else a backup code), so one
    device is tried and no unrelated device records a failed attempt. With no user the same query runs and
    finds nothing."""
    code = (code or "").strip()
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    return model.objects.filter(user=user, confirmed=True).order_by("pk").first()


def _verified_staff(request, *, email: str, password: str, code: str) -> User | None:
    # The staff backend only (ModelBackend): one hasher run whether or not the email has an account.
    user = StaffBackend().authenticate(request, username=email, password=password)
    staff = user if user is not None and user.is_active and user.is_staff else None
    device = device_for_code(staff, code)  # the same query on every path
    code = (code or "").strip()
    if staff is None or device is None or not code:
        return None
    with transaction.atomic():
        allowed, _details = device.verify_is_allowed()  # django-otp's own throttle, per device
        if not allowed or not device.verify_token(code):
            return None
    # What django.contrib.auth.authenticate() and django-otp's form would set: auth_login then records the
    # backend, and django_otp's user_logged_in handler marks the session verified by this device.
    staff.backend = BACKEND  # type: ignore[attr-defined]
    staff.otp_device = device  # type: ignore[attr-defined]
    return staff


def record_attempt(request, *, email: str, outcome: str, user: User | None = None) -> StaffSignInAttempt:
    if user is None and email:
        user = User.objects.filter(email=email).first()
    return StaffSignInAttempt.objects.create(
        email=email[:254],
        user=user,
        address=client_ip(request)[:64],
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH],
        outcome=outcome,
    )


def sign_in_staff(request, *, email: str, password: str, code: str) -> User:
    """The staff user, verified by password and code, ready for ``auth_login``; else raises
    :class:`StaffSignInThrottled` (a limit is full, nothing checked) or :class:`StaffSignInRefused`."""
    email = normalize_email(email or "")
    try:
        slot = limits.take(*staff_limits(email=email, address=client_ip(request)))
    except limits.LimitReached:
        record_attempt(request, email=email, outcome=StaffSignInAttempt.Outcome.THROTTLED)
        raise StaffSignInThrottled from None
    user = _verified_staff(request, email=email, password=password, code=code)
    if user is None:
        record_attempt(request, email=email, outcome=StaffSignInAttempt.Outcome.FAILED)
        raise StaffSignInRefused
    # A right sign-in doesn't count against the account or a shared office address. Should Redis go away
    # in between, the slot stays taken: it costs one attempt, never lets one through unchecked.
    with contextlib.suppress(RedisUnavailable):
        limits.give_back(slot)
    record_attempt(request, email=email, outcome=StaffSignInAttempt.Outcome.SIGNED_IN, user=user)
    return user


def prune_staff_sign_in_attempts(*, now=None) -> int:
    """Delete log rows older than ``STAFF_SIGN_IN_LOG_DAYS``, in batches; returns how many went."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.STAFF_SIGN_IN_LOG_DAYS)
    deleted = 0
    while True:
        ids = list(StaffSignInAttempt.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:PRUNE_BATCH])
        if not ids:
            return deleted
        deleted += StaffSignInAttempt.objects.filter(pk__in=ids).delete()[0]
