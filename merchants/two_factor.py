"""Two-factor authentication: TOTP (django-otp) and backup codes (docs/security.md).

Who must use it: bank staff, every user administrator, and everyone with a role on a shop that
requires it (Merchant.two_factor_required). Anyone may enrol. A session is "verified" once a code
was accepted in it; until then the middleware lets the user reach only the code page (enrolled)
or the enrolment page (required, not enrolled), and logging out.

What the middleware needs is put in the session at login (merchants.signals), so that an ordinary
request costs no query (a session without it gets it at its next request): a shop's requirement
switched on applies from its users' next login.
"""

import base64

from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Access, AuditRecord, User, is_bank_staff

SESSION_REQUIRED = "gestion_2fa_required"
SESSION_ENROLLED = "gestion_2fa_enrolled"
BACKUP_CODES = 10
TOTP_NAME = "authenticator"
BACKUP_NAME = "backup"


def two_factor_required(user) -> bool:
    """Bank staff, user administrators, and the users of a shop requiring it."""
    from .selectors import merchants_visible_to

    if not user.is_authenticated or user.is_payment_server:
        return False
    if is_bank_staff(user):
        return True
    if Access.objects.filter(user=user, role=Access.Role.USER_ADMIN).exists():
        return True
    return merchants_visible_to(user=user).filter(two_factor_required=True).exists()


def is_enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def session_start(request, user) -> None:
    """At login: what the middleware must ask of this session."""
    request.session[SESSION_REQUIRED] = two_factor_required(user)
    request.session[SESSION_ENROLLED] = is_enrolled(user)


def is_verified(request) -> bool:
    return bool(request.session.get(DEVICE_ID_SESSION_KEY))


# ---------------------------------------------------------------- enrolment and verification


def enrolment_device(user) -> TOTPDevice:
    """The user's pending (unconfirmed) TOTP device, made once: the QR code stays the same
    across reloads of the enrolment page until a code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=TOTP_NAME).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_svg_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URI as a QR code, drawn here (segno), as an image data URI."""
    import segno

    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def backup_codes_renew(user) -> list[str]:
    """A new set of single-use backup codes (the old ones stop); shown once."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=user, name=BACKUP_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _n in range(BACKUP_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def enrolment_confirm(request, *, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm a pending TOTP device with a code from the app: → the backup codes, or None."""
    if not device.verify_token((code or "").strip().replace(" ", "")):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = backup_codes_renew(device.user)
    otp_login(request, device)
    request.session[SESSION_ENROLLED] = True
    return codes


def code_verify(request, *, code: str) -> bool:
    """A code from the app, or a backup code (used up), verifies this session."""
    user = request.user
    code = (code or "").strip().replace(" ", "")
    if not code:
        return False
    devices = [
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *StaticDevice.objects.filter(user=user, confirmed=True),
    ]
    for device in devices:
        if device.verify_is_allowed()[0] and device.verify_token(code):
            otp_login(request, device)
            return True
    return False


def two_factor_reset(*, actor: User, user_pk: int) -> int:
    """Bank staff remove a user's second factor (a lost phone): the user enrols again at the
    next login (if required). Audited; → how many devices were removed."""
    from django.core.exceptions import PermissionDenied

    from .services import audit_record

    if not is_bank_staff(actor):
        raise PermissionDenied
    user = User.objects.get(pk=user_pk)
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0]
        removed += StaticDevice.objects.filter(user=user).delete()[0]
        audit_record(
            actor=actor,
            obj=user,
            action=AuditRecord.Action.TWO_FACTOR_RESET,
            changes={"two_factor": ("enrolled" if removed else "none", "reset")},
        )
    return removed


# ---------------------------------------------------------------- the gate


# Reachable before the second factor: the code and enrolment pages, logging out, static files.
_OPEN_PREFIXES = ("/static/", "/i18n/", "/health/", "/accounts/logout/", "/accounts/two-factor/")


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or not hasattr(request, "session")
            or is_verified(request)
            or request.path.startswith(_OPEN_PREFIXES)
        ):
            return self.get_response(request)
        if SESSION_REQUIRED not in request.session:
            # A session that did not start through a login of this version (one opened before
            # the upgrade): decided now, once, rather than let through.
            session_start(request, user)
        if request.session.get(SESSION_ENROLLED):
            target = "two-factor-verify"
        elif request.session.get(SESSION_REQUIRED):
            target = "two-factor-setup"
        else:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"response_code": "40", "message": _("Two-factor authentication required.")},
                status=403,
            )
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
