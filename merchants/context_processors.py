def shell(request):
    """What the base layout needs on every page: the shops the user may see."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    from merchants.selectors import merchants_visible_to

    return {"visible_merchants": merchants_visible_to(user=user).order_by("merchant_id")[:50]}


def session_idle(request):
    """Seconds before the idle warning and the idle logout, for static/gestion/idle.js."""
    from django.conf import settings

    session = getattr(request, "session", None)
    return {
        "session_idle_warning": settings.SESSION_IDLE_WARNING,
        "session_idle_timeout": settings.SESSION_IDLE_TIMEOUT,
        # Known at login (merchants.signals): no query on every page for a menu entry.
        "can_manage_users": bool(session and session.get("gestion_can_manage_users")),
    }
