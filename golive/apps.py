from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoLiveConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "golive"
    verbose_name = _("Going live")
