"""Logging in: by username or e-mail address, one account however it is named (django-axes)."""

import datetime as dt
import hashlib

from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from core.precompiled import Precompiled

from .models import is_bank_staff


def user_by_login(login: str):
    """The active-or-not user a login names: its username, else its (unique) e-mail address."""
    User = get_user_model()
    login = (login or "").strip()
    if not login:
        return None
    user = User.objects.filter(username=login).first()
    if user is None and "@" in login:
        matches = list(User.objects.filter(email__iexact=login)[:2])
        # An address shared by two accounts names neither: ask for the username.
        user = matches[0] if len(matches) == 1 else None
    return user


class UsernameOrEmailBackend(ModelBackend):
    """ModelBackend that also accepts the account's e-mail address in the username field."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = user_by_login(username)
        if user is None:
            # Same cost as a real check, so timing does not tell which logins exist.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    # Bank staff run the console: every model permission, by the flag (not is_superuser).
    def has_perm(self, user_obj, perm, obj=None):
        if is_bank_staff(user_obj):
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        if is_bank_staff(user_obj):
            return True
        return super().has_module_perms(user_obj, app_label)


def axes_username(request, credentials) -> str:
    """Axes counts failures per account: `alice` and `alice@shop.fr` are the same account."""
    login = (credentials or {}).get("username") or request.POST.get("username", "")
    user = user_by_login(login)
    return user.get_username() if user else (login or "").strip().lower()


# ---------------------------------------------------------------- failed logins (docs/security.md)
#
# Three limits, none of which lets a stranger lock an office out:
# - an account from one address: AXES_FAILURE_LIMIT failures lock that pair (django-axes);
# - one address, whatever the accounts (password spraying): a higher limit locks the address;
# - one account, whatever the addresses: past a few failures each new attempt must wait a delay
#   that doubles (at most LOGIN_MAX_DELAY): guessing is slowed, the owner is never locked out.
# Every lockout is audited; bank staff and user administrators unlock an account in their scope.


def _recent_attempts(now=None):
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.utils import timezone

    now = now or timezone.now()
    return AccessAttempt.objects.filter(attempt_time__gte=now - settings.AXES_COOLOFF_TIME)


def address_failures(ip: str | None, *, now=None) -> int:
    from django.db.models import Sum

    if not ip:
        return 0
    total = _recent_attempts(now).filter(ip_address=ip).aggregate(n=Sum("failures_since_start"))
    return total["n"] or 0


def account_failures(username: str, *, now=None) -> tuple[int, "dt.datetime | None"]:
    """(failures of the account from every address in the cool-off window, the latest one)."""
    from django.db.models import Max, Sum

    rows = _recent_attempts(now).filter(username=username)
    total = rows.aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
    return total["n"] or 0, total["last"]


def pair_locked(username: str, request) -> bool:
    """Whether axes locks `username` from the request's address (AXES_FAILURE_LIMIT reached)."""
    from django.conf import settings
    from django.db.models import Sum

    rows = _recent_attempts().filter(username=username, ip_address=client_ip(request))
    failures = rows.aggregate(n=Sum("failures_since_start"))["n"] or 0
    return failures >= settings.AXES_FAILURE_LIMIT


def account_delay(username: str, *, now=None) -> int:
    """Seconds the next login of `username` must still wait (0: it may try now)."""
    from django.conf import settings
    from django.utils import timezone

    now = now or timezone.now()
    failures, last = account_failures(username, now=now)
    extra = failures - settings.LOGIN_SLOWDOWN_AFTER
    if extra < 0 or last is None:
        return 0
    delay = min(settings.LOGIN_BASE_DELAY * 2 ** min(extra, 20), settings.LOGIN_MAX_DELAY)
    remaining = (last + dt.timedelta(seconds=delay) - now).total_seconds()
    return max(0, int(remaining + 0.999))


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, plus the per-address limit; skipped without a request.

    Every login from the web passes its request (LoginView, the admin); a call without one comes
    from code (Django's test Client.login, a shell) and is not a guess from the internet. Axes'
    own backend refuses such calls outright, which would break Client.login in every test.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        from axes.exceptions import AxesBackendPermissionDenied
        from django.conf import settings

        if request is None:
            return None
        ip = client_ip(request)
        if address_failures(ip) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            from .services import login_lockout_record

            login_lockout_record(kind="address", name=ip or "")
            request.axes_locked_out = True
            raise AxesBackendPermissionDenied("Too many failed logins from this address")
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request) -> str | None:
    """The address failures are counted against (axes): REMOTE_ADDR, or behind
    GESTION_REVERSE_PROXIES proxies the address the outermost of them saw. Entries further left
    in X-Forwarded-For are the client's to write, so they are never trusted."""
    from django.conf import settings

    proxies = settings.GESTION_REVERSE_PROXIES
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")


def token_hash(key: str) -> str:
    """How a token is stored: SHA-256 of its key (a random 160-bit key needs no slow hash)."""
    return hashlib.sha256(key.encode()).hexdigest()


# last_used_at is written at most this often per token: the feed calls many times a second.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _token_by_hash(key_hash: str):
    from .models import ApiToken

    return ApiToken.objects.filter(key_hash=key_hash).order_by()[:1]


# Every API request looks its token up: the statement is compiled once per process, the row read
# at every request (a revoked token, or its user deactivated, is refused at once).
_TOKEN = Precompiled(_token_by_hash, markers={"key_hash": "\x00key_hash"}, related=("user",))


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` (DRF's header parsing): the key's hash names an ApiToken of
    an active user."""

    def authenticate_credentials(self, key: str):
        from django.utils import timezone

        from .models import ApiToken

        found = _TOKEN.rows(key_hash=token_hash(key))
        token = found[0][0] if found else None
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid token.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


class RevokeTokensOnPasswordChange:
    """Not a rule on passwords: Django calls every validator's `password_changed` whenever a
    password is changed and saved (the change and reset pages, the console, a command), the one
    hook all of them share. A new password revokes every API token of the account."""

    def validate(self, password, user=None):
        return None

    def password_changed(self, password, user=None):
        from .models import ApiToken

        if user is not None and user.pk:
            ApiToken.objects.filter(user=user).delete()

    def get_help_text(self):
        return ""
