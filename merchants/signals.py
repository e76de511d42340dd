from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone

from .middleware import IDLE_SESSION_KEY
from .selectors import manageable_points


@receiver(user_logged_in, dispatch_uid="gestion_session_start")
def session_start(sender, request, user, **kwargs):
    """A session starts active (the idle clock), and knows once whether to offer "Users"."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[IDLE_SESSION_KEY] = timezone.now().timestamp()
    request.session["gestion_can_manage_users"] = manageable_points(user=user)[0].exists()
    from .two_factor import session_start as two_factor_session_start

    two_factor_session_start(request, user)


@receiver(user_locked_out, dispatch_uid="gestion_audit_lockout")
def audit_lockout(sender, request, username, ip_address, **kwargs):
    """django-axes locked an account from an address: in the audit history."""
    from .auth import user_by_login
    from .services import login_lockout_record

    login_lockout_record(
        kind="account", name=f"{username}@{ip_address}", user=user_by_login(username or "")
    )
