from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "tracker.accounts"
    verbose_name = "Staff sign-in"
    default = True


class TrackerAdminConfig(admin_apps.AdminConfig):
    """Django's admin with our site class, so every admin page asks for the second factor
    of staff who have an authenticator or must have one."""

    default = False
    default_site = "tracker.accounts.sites.TrackerAdminSite"
