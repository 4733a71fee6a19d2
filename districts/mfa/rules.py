"""Two-step login: who must use it, and the devices behind it (django-otp's TOTP and static devices).

A user has at most one confirmed authenticator (a TOTP key in a phone app) and one set of ten recovery
codes (a static device; each code works once). The second step is asked at login, not on every
request: `mark_login` runs when the password was accepted and records in the session whether this
session still owes a code; the middleware then sends the user to the code page until it is given.

SECURITY: a session that has not given its code may only *create* an authenticator when the account has
none, never replace one; otherwise a stolen password would be enough to move the second step to the
thief's phone. Verification locks the device row, so two posts of one code cannot both pass.
"""

from datetime import datetime
from typing import Any

import django_otp
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from districts.roles import MFA_ROLES

SESSION_KEY = "mfa_owed"
RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"


class TooManyAttempts(Exception):
    """Wrong codes were given too often; `until` is when the next attempt is allowed."""

    def __init__(self, until: datetime):
        super().__init__(until)
        self.until = until

    @property
    def seconds(self) -> int:
        return max(1, int((self.until - timezone.now()).total_seconds() + 0.999))


def is_required(user) -> bool:
    """Whether this account must use two-step login: PDRD, MRD and administrators (when MFA_REQUIRED is on)."""
    if not settings.MFA_REQUIRED:
        return False
    return user.is_staff or user.is_superuser or user.assignments.filter(role__in=MFA_ROLES).exists()


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def mark_login(request, user) -> None:
    """After the password was accepted: does this session still owe a code (required, or chosen by the user)?"""
    if is_required(user) or has_authenticator(user):
        request.session[SESSION_KEY] = True
    else:
        request.session.pop(SESSION_KEY, None)


def on_logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        mark_login(request, user)


def owes_code(request) -> bool:
    """The session gave a password but not yet the code it owes."""
    return bool(request.session.get(SESSION_KEY)) and not request.user.is_verified()


def pending_authenticator(user) -> TOTPDevice:
    """The unconfirmed authenticator being set up (its key shown as a QR code), created on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=AUTHENTICATOR_NAME).first()
    return device or TOTPDevice.objects.create(user=user, confirmed=False, name=AUTHENTICATOR_NAME)


def may_set_up(request) -> bool:
    """SECURITY: a new authenticator only when the account has none, or the session has given its code."""
    return request.user.is_verified() or not has_authenticator(request.user)


def confirm_authenticator(request, *, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the pending authenticator with a code from the app; on success it replaces any earlier one,
    the session counts as verified and new recovery codes are returned (shown once). None if the code is wrong."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=request.user, confirmed=False)
        _raise_if_throttled(device)
        if not device.verify_token(_normalise(token)):
            return None
        TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(request.user)
    django_otp.login(request, device)
    request.session[SESSION_KEY] = True
    return codes


def verify_code(request, *, token: str) -> bool:
    """Check a code from the authenticator (six digits) or a recovery code; on success the session is verified.

    Raises TooManyAttempts while the device is throttled (django-otp doubles the wait after each failure).
    """
    cleaned = _normalise(token)
    if cleaned.isdecimal():
        model, name, value = TOTPDevice, None, cleaned
    else:
        model, name, value = StaticDevice, RECOVERY_NAME, cleaned.lower()
    with transaction.atomic():
        devices = model.objects.select_for_update().filter(user=request.user, confirmed=True)
        if name:
            devices = devices.filter(name=name)
        device = devices.first()
        if device is None:
            return False
        _raise_if_throttled(device)
        if not device.verify_token(value):
            return False
    django_otp.login(request, device)
    return True


def new_recovery_codes(user) -> list[str]:
    with transaction.atomic():
        return _new_recovery_codes(user)


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_NAME, device__confirmed=True).count()


def turn_off(user) -> None:
    """Remove the authenticator and the recovery codes (not allowed for accounts that must use two-step login)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _raise_if_throttled(device: Any) -> None:
    allowed, details = device.verify_is_allowed()
    if not allowed and details and details.get("locked_until"):
        raise TooManyAttempts(details["locked_until"])


def _normalise(token: str) -> str:
    """People type codes with spaces or dashes ("123 456", "abcd-efgh"); Khmer digits are read as digits."""
    return "".join(str(int(ch)) if ch.isdecimal() else ch for ch in (token or "") if ch not in " -\u00a0\t")[:32]
