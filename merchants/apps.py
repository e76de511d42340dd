from django.apps import AppConfig


class MerchantsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "merchants"

    def ready(self):
        from . import signals  # noqa: F401

        _hide_second_factor_devices_from_the_console()


def _hide_second_factor_devices_from_the_console():
    """django-otp registers its devices in the admin, whose pages show a device's secret (its
    QR code): bank staff could clone a user's second factor. The console resets one instead
    (merchants.two_factor.two_factor_reset, audited). The admin loaded every admin module before
    this runs (it is first in INSTALLED_APPS)."""
    from django.contrib import admin
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from rest_framework.authtoken.models import TokenProxy

    # DRF's clear tokens are replaced by merchants.ApiToken (hashed): nothing to show there.
    for model in (TOTPDevice, StaticDevice, TokenProxy):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
