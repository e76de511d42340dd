"""The bank staff console is Django's admin, behind its own site (merchants.admin_site)."""

from django.contrib.admin.apps import AdminConfig


class BankConsoleAdminConfig(AdminConfig):
    default_site = "merchants.admin_site.BankConsoleSite"
