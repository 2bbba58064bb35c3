"""The Editors group: add and change milestones, commitments, sources and exchange rates
(the seed rates are approximate and editors correct them); never delete anything."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITABLE = ["milestone", "commitment", "source", "exchangerate"]
VIEWABLE = ["pillar", "agreement", "sector"]


def create_editors(apps, schema_editor):
    # Permissions are normally created after all migrations; editors need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model in EDITABLE for action in ("add", "change", "view")]
    codenames += [f"view_{model}" for model in VIEWABLE]
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(
        Permission.objects.filter(content_type__app_label="commitments", codename__in=codenames)
    )


def remove_editors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors, remove_editors)]
