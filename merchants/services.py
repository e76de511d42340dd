import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import keys
from .models import Access, AuditRecord, Merchant, MerchantGroup, User, is_bank_staff
from .selectors import manageable_points, user_has_right, users_manageable_by


def merchant_create(
    *,
    merchant_id: str,
    name: str,
    country: str = Merchant.Country.FR,
    environment: str = Merchant.Environment.DEMO,
    journal_email: str = "",
    actor: User | None = None,
) -> tuple[Merchant, str]:
    """Create a shop with a fresh secret key; → (shop, the secret in clear, to show once).

    With an `actor` (the console), the creation is recorded in the audit history."""
    secret = keys.generate_secret()
    ciphertext, key_id = keys.encrypt(secret)
    merchant = Merchant(
        merchant_id=merchant_id,
        name=name,
        country=country,
        environment=environment,
        journal_email=journal_email,
        secret_key_encrypted=ciphertext,
        secret_key_version=1,
        encryption_key_id=key_id,
    )
    merchant.full_clean()
    with transaction.atomic():
        merchant.save()
        if actor is not None:
            audit_record(
                actor=actor,
                obj=merchant,
                action=AuditRecord.Action.CREATE,
                changes={
                    "merchant_id": ("", merchant_id),
                    "name": ("", name),
                    "environment": ("", environment),
                    "journal_email": ("", journal_email),
                },
            )
    return merchant, secret


def merchant_rotate_secret(*, merchant_pk: int, actor: User | None = None) -> tuple[Merchant, str]:
    """A new shop secret replaces the old one; its version goes up by one. → (shop, new secret).

    The audit history records the version change, never the key."""
    secret = keys.generate_secret()
    ciphertext, key_id = keys.encrypt(secret)
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().get(pk=merchant_pk)
        merchant.secret_key_encrypted = ciphertext
        merchant.encryption_key_id = key_id
        merchant.secret_key_version += 1
        merchant.save(
            update_fields=["secret_key_encrypted", "encryption_key_id", "secret_key_version"]
        )
        if actor is not None:
            audit_record(
                actor=actor,
                obj=merchant,
                action=AuditRecord.Action.ROTATE_SECRET,
                changes={
                    "secret_key_version": (
                        merchant.secret_key_version - 1,
                        merchant.secret_key_version,
                    )
                },
            )
    return merchant, secret


def merchant_secret(*, merchant: Merchant) -> str:
    """The shop's secret key in clear, for sealing what is sent to it (journals)."""
    return keys.decrypt(merchant.secret_key_encrypted)


def merchants_reencrypt_secrets() -> int:
    """Re-encrypt every shop secret under the current master key; → how many changed."""
    current = keys.current_key_id()
    changed = 0
    for pk in Merchant.objects.exclude(encryption_key_id=current).values_list("pk", flat=True):
        with transaction.atomic():
            merchant = Merchant.objects.select_for_update().get(pk=pk)
            ciphertext, key_id = keys.encrypt(keys.decrypt(merchant.secret_key_encrypted))
            merchant.secret_key_encrypted = ciphertext
            merchant.encryption_key_id = key_id
            merchant.save(update_fields=["secret_key_encrypted", "encryption_key_id"])
            changed += 1
    return changed


# ---------------------------------------------------------------- audit history


def _audit_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set) or hasattr(value, "all"):
        items = value.all() if hasattr(value, "all") else value
        return ", ".join(sorted(str(v) for v in items))
    return str(value)


def audit_record(
    *,
    actor: User | None,
    obj,
    action: str,
    changes: dict[str, tuple] | None = None,
    at: dt.datetime | None = None,
) -> list[AuditRecord]:
    """Record who changed what on `obj`, with each field's old and new value (one row a field).

    Call it inside the transaction that makes the change, so both commit or neither."""
    at = at or timezone.now()
    common = {
        "actor": actor if actor is not None and actor.pk else None,
        "actor_username": actor.get_username() if actor is not None else "",
        "at": at,
        "action": action,
        "object_type": obj._meta.label_lower,
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:200],
    }
    rows = [
        AuditRecord(field=name, old_value=_audit_text(old), new_value=_audit_text(new), **common)
        for name, (old, new) in (changes or {}).items()
        if action != AuditRecord.Action.CHANGE or _audit_text(old) != _audit_text(new)
    ]
    if not rows and action != AuditRecord.Action.CHANGE:
        rows = [AuditRecord(**common)]
    return AuditRecord.objects.bulk_create(rows)


# ---------------------------------------------------------------- shop settings (bank staff)

# What the console may change with merchant_update; the secret key has its own service, and the
# environment changes only by going live (golive.services, docs/go-live.md).
MERCHANT_SETTINGS = (
    "name",
    "country",
    "journal_email",
    "is_active",
    "two_factor_required",
    "automatic_response_url",
)


def merchant_update(*, actor: User, merchant_pk: int, changes: dict) -> Merchant:
    """Change a shop's settings: bank staff only (a merchant asks its adviser, docs/domain.md).
    Audited."""
    if not is_bank_staff(actor):
        raise PermissionDenied(_("Only bank staff may change a shop's settings."))
    unknown = set(changes) - set(MERCHANT_SETTINGS)
    if unknown:
        raise ValidationError(
            _("These settings cannot be changed here: %(names)s.")
            % {"names": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().get(pk=merchant_pk)
        before = {name: getattr(merchant, name) for name in changes}
        for name, value in changes.items():
            setattr(merchant, name, value)
        merchant.full_clean()
        changed = [name for name in changes if before[name] != getattr(merchant, name)]
        if changed:
            merchant.save(update_fields=changed)
            audit_record(
                actor=actor,
                obj=merchant,
                action=AuditRecord.Action.CHANGE,
                changes={name: (before[name], getattr(merchant, name)) for name in changed},
            )
    return merchant


def merchant_set_automatic_response_url(*, actor: User, merchant_pk: int, url: str) -> Merchant:
    """Bank staff, or a user administrator of the shop, set where its automatic responses go
    (https only in production, see Merchant.clean). Audited."""
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().get(pk=merchant_pk)
        if not actor.is_active or not (
            is_bank_staff(actor)
            or user_has_right(user=actor, merchant=merchant, right="manage_users")
        ):
            raise PermissionDenied(_("Only bank staff or the shop's user administrators may."))
        before = merchant.automatic_response_url
        merchant.automatic_response_url = url.strip()
        merchant.full_clean()
        if before != merchant.automatic_response_url:
            merchant.save(update_fields=["automatic_response_url"])
            audit_record(
                actor=actor,
                obj=merchant,
                action=AuditRecord.Action.CHANGE,
                changes={"automatic_response_url": (before, merchant.automatic_response_url)},
            )
    return merchant


def merchant_set_secret(
    *, merchant_pk: int, secret: str, version: int, actor: User | None = None
) -> Merchant:
    """Install the secret key the payment server gave the shop, with its key version (Sips 2.0
    seals name it). The audit history records the version, never the key."""
    secret = secret.strip()
    if len(secret) < 16 or not secret.isprintable():
        raise ValidationError(_("A secret key has at least 16 printable characters."))
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValidationError(_("A key version is a whole number from 1."))
    ciphertext, key_id = keys.encrypt(secret)
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().get(pk=merchant_pk)
        before = merchant.secret_key_version
        merchant.secret_key_encrypted = ciphertext
        merchant.encryption_key_id = key_id
        merchant.secret_key_version = version
        merchant.save(
            update_fields=["secret_key_encrypted", "encryption_key_id", "secret_key_version"]
        )
        audit_record(
            actor=actor,
            obj=merchant,
            action=AuditRecord.Action.ROTATE_SECRET,
            changes={"secret_key_version": (before, version)},
        )
    return merchant


# ---------------------------------------------------------------- users (USER_ADMIN, bank staff)


class UserAdminRefused(Exception):
    """A user administrator asked for something beyond its rights (escalation, other shops)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _check_target(*, actor: User, user: User) -> None:
    if user.pk == actor.pk:
        raise UserAdminRefused(_("You cannot change your own rights or account."))
    if not is_bank_staff(actor) and (
        user.is_bank_staff or user.is_payment_server or user.is_superuser or user.is_staff
    ):
        raise UserAdminRefused(_("Only bank staff manage this account."))
    if not users_manageable_by(actor=actor).filter(pk=user.pk).exists():
        # Outside the actor's scope the user does not exist for them (404 at the edge).
        raise User.DoesNotExist


def _check_point(*, actor: User, merchant: Merchant | None, group: MerchantGroup | None) -> None:
    shops, groups = manageable_points(user=actor)
    if (merchant is None) == (group is None):
        raise UserAdminRefused(_("Choose one shop or one group of shops."))
    if merchant is not None and not shops.filter(pk=merchant.pk).exists():
        raise UserAdminRefused(_("You do not manage the users of this shop."))
    if group is not None and not groups.filter(pk=group.pk).exists():
        raise UserAdminRefused(_("You do not manage the users of every shop of this group."))


def user_create(
    *,
    actor: User,
    username: str,
    email: str,
    role: str,
    merchant: Merchant | None = None,
    group: MerchantGroup | None = None,
    first_name: str = "",
    last_name: str = "",
    language: str = "",
) -> User:
    """A user administrator creates a merchant user with one role on one of its access points.

    The new account has no password: it sets one through the invitation (password reset) link.
    Never bank staff, never a payment server: those flags are not parameters."""
    if not actor.is_active:
        raise UserAdminRefused(_("Your account is not active."))
    _check_point(actor=actor, merchant=merchant, group=group)
    if role not in Access.Role.values:
        raise UserAdminRefused(_("Unknown role."))
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            language=language,
        )
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        access = Access.objects.create(user=user, role=role, merchant=merchant, group=group)
        audit_record(
            actor=actor,
            obj=user,
            action=AuditRecord.Action.CREATE,
            changes={"username": ("", username), "email": ("", email), "access": ("", access)},
        )
    return user


def access_grant(
    *,
    actor: User,
    user: User,
    role: str,
    merchant: Merchant | None = None,
    group: MerchantGroup | None = None,
) -> Access:
    """Give `user` a role on one of the actor's access points (never to oneself)."""
    _check_target(actor=actor, user=user)
    _check_point(actor=actor, merchant=merchant, group=group)
    if role not in Access.Role.values:
        raise UserAdminRefused(_("Unknown role."))
    with transaction.atomic():
        access, created = Access.objects.get_or_create(
            user=user, role=role, merchant=merchant, group=group
        )
        if created:
            audit_record(
                actor=actor,
                obj=user,
                action=AuditRecord.Action.CHANGE,
                changes={"access": ("", access)},
            )
    return access


def access_revoke(*, actor: User, access_pk: int) -> None:
    """Take a role back, on one of the actor's access points only (never one's own)."""
    with transaction.atomic():
        access = Access.objects.select_for_update().select_related("user").get(pk=access_pk)
        _check_target(actor=actor, user=access.user)
        _check_point(actor=actor, merchant=access.merchant, group=access.group)
        text = str(access)
        access.delete()
        audit_record(
            actor=actor,
            obj=access.user,
            action=AuditRecord.Action.CHANGE,
            changes={"access": (text, "")},
        )


def _check_whole_user(*, actor: User, user: User) -> None:
    """The actor manages `user` and every one of its accesses (to switch the account on or off)."""
    _check_target(actor=actor, user=user)
    for access in user.accesses.select_related("merchant", "group"):
        try:
            _check_point(actor=actor, merchant=access.merchant, group=access.group)
        except UserAdminRefused:
            raise UserAdminRefused(
                _("This user also works for shops you do not manage: ask bank staff.")
            ) from None


def user_account_changeable(*, actor: User, user: User) -> bool:
    """Whether `actor` may deactivate or reactivate `user` (what the page offers)."""
    try:
        _check_whole_user(actor=actor, user=user)
    except (UserAdminRefused, User.DoesNotExist):
        return False
    return True


def user_reactivate(*, actor: User, user_pk: int) -> User:
    """Let a deactivated user log in again (same scope as deactivating); its tokens stay gone."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_pk)
        _check_whole_user(actor=actor, user=user)
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
            audit_record(
                actor=actor,
                obj=user,
                action=AuditRecord.Action.CHANGE,
                changes={"is_active": (False, True)},
            )
    return user


def user_deactivate(*, actor: User, user_pk: int) -> User:
    """Deactivate a user whose every access lies in the actor's scope; their tokens stop too."""
    from .models import ApiToken

    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_pk)
        _check_whole_user(actor=actor, user=user)
        if user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
            ApiToken.objects.filter(user=user).delete()
            audit_record(
                actor=actor,
                obj=user,
                action=AuditRecord.Action.CHANGE,
                changes={"is_active": (True, False)},
            )
    return user


# ---------------------------------------------------------------- own profile and API token


def user_set_language(*, user: User, language: str) -> User:
    """A user's saved language (blank: follow the browser)."""
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["language"])
    return user


class TokenRefused(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def api_token_create(*, user: User, name: str = "default", replace: bool = False) -> tuple:
    """A new named API token for `user`; → (the ApiToken, its key to show once).

    Only the key's hash is stored. The token carries exactly the user's rights (it authenticates
    as the user). With `replace`, a token of the same name is revoked first."""
    import secrets

    from .auth import token_hash
    from .models import ApiToken

    if not user.is_active:
        raise PermissionDenied
    name = (name or "").strip()[:64] or "default"
    key = secrets.token_hex(20)
    with transaction.atomic():
        if replace:
            ApiToken.objects.filter(user=user, name=name).delete()
        elif ApiToken.objects.filter(user=user, name=name).exists():
            raise TokenRefused(_("You already have a token with this name."))
        token = ApiToken.objects.create(
            user=user, name=name, prefix=key[:6], key_hash=token_hash(key)
        )
    return token, key


def api_token_revoke(*, user: User, token_pk: int | None = None) -> int:
    """Revoke one of the user's tokens (or all of them without `token_pk`); → how many."""
    from .models import ApiToken

    tokens = ApiToken.objects.filter(user=user)
    if token_pk is not None:
        tokens = tokens.filter(pk=token_pk)
    deleted, _count = tokens.delete()
    return deleted


# ---------------------------------------------------------------- lockouts (docs/security.md)


def login_lockout_record(*, kind: str, name: str, user: User | None = None) -> None:
    """Audit a lockout once per cool-off window: of an account from an address (`kind`
    "account", `name` "username@ip") or of an address (`kind` "address", `name` the ip)."""
    from django.conf import settings

    now = timezone.now()
    object_type = "merchants.user" if user is not None else f"login.{kind}"
    object_id = str(user.pk) if user is not None else name[:64]
    recent = AuditRecord.objects.filter(
        action=AuditRecord.Action.LOCKOUT,
        object_type=object_type,
        object_id=object_id,
        field=kind,
        new_value=name[:200],
        at__gte=now - settings.AXES_COOLOFF_TIME,
    )
    if recent.exists():
        return
    AuditRecord.objects.create(
        actor=None,
        actor_username="",
        at=now,
        action=AuditRecord.Action.LOCKOUT,
        object_type=object_type,
        object_id=object_id,
        object_repr=(str(user) if user is not None else name)[:200],
        field=kind,
        new_value=name[:200],
    )


def login_unlock(*, actor: User, user_pk: int) -> int:
    """Clear an account's failed logins (every address): its lockout and slow-down end.

    Bank staff for anyone, a user administrator for the users of its scope. Audited; → how many
    failure records were cleared."""
    from axes.models import AccessAttempt

    from .auth import axes_username

    user = User.objects.get(pk=user_pk)
    if not is_bank_staff(actor):
        _check_target(actor=actor, user=user)
    username = axes_username(None, {"username": user.get_username()})
    with transaction.atomic():
        attempts = AccessAttempt.objects.filter(username=username)
        failures = sum(a.failures_since_start for a in attempts)
        attempts.delete()
        audit_record(
            actor=actor,
            obj=user,
            action=AuditRecord.Action.UNLOCK,
            changes={"failed_logins": (failures, 0)},
        )
    return failures
