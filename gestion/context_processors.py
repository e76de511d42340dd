def shell(request):
    """What the base layout needs on every page: the shops the user may see."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    from merchants.selectors import merchants_visible_to

    return {"visible_merchants": merchants_visible_to(user=user).order_by("merchant_id")[:50]}
