"""Editors may read the send log and the subscribers, and preview the digest; no more."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["view_subscriber", "view_digestsend"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; editors need them now.
    app_config = apps.get_app_config("digest")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(
        *Permission.objects.filter(content_type__app_label="digest", codename__in=CODENAMES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for editors in Group.objects.filter(name="Editors"):
        editors.permissions.remove(
            *Permission.objects.filter(content_type__app_label="digest", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("digest", "0001_initial"),
        ("commitments", "0002_editors_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
