"""Who must sign in with a second factor, and the authenticator-app device that gives it."""

from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

REVIEWERS = "Reviewers"
DEVICE_NAME = "Authenticator app"


def is_verified(user) -> bool:
    """Whether this session's sign-in included a code from one of the user's devices."""
    return getattr(user, "otp_device", None) is not None


def is_required(user) -> bool:
    if settings.OTP_REQUIRED_FOR_STAFF and user.is_staff:
        return True
    return settings.OTP_REQUIRED_FOR_REVIEWERS and user.groups.filter(name=REVIEWERS).exists()


def has_device(user) -> bool:
    # Each admin page asks twice (its view and its context); one query answers both.
    if not hasattr(user, "_has_confirmed_device"):
        user._has_confirmed_device = user_has_device(user)
    return user._has_confirmed_device


def is_outstanding(user) -> bool:
    """Whether the session still owes a code before the admin lets the user in: anyone with
    an authenticator gives one, and so does anyone the settings require to have one."""
    if is_verified(user):
        return False
    return has_device(user) or is_required(user)


def confirmed_device(user, for_verify=False) -> TOTPDevice | None:
    """The user's authenticator; locked for the transaction when a code is to be checked."""
    devices = TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk")
    return (devices.select_for_update() if for_verify else devices).first()


def pending_device(user) -> TOTPDevice:
    """The device being set up: the same one on every visit until a code confirms it, so a
    reload does not invalidate the QR code the user has already scanned."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").last()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def verify(device: TOTPDevice, token: str) -> bool:
    """Check a code against a device, one check at a time, so a code is accepted once and
    the device's throttling counts every wrong one."""
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        verified = locked.verify_token(token)
    device.refresh_from_db()
    return verified


def confirm(device: TOTPDevice) -> None:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.devices_for_user(device.user, confirmed=False).delete()


def secret(device: TOTPDevice) -> str:
    """The key as an authenticator app's manual entry takes it, in groups of four."""
    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_code(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an SVG QR code in a data: URI, which the
    Content-Security-Policy's img-src allows (an inline <svg> would do too)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
