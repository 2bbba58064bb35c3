"""The Editors group: add and change milestones, commitments, sources and exchange rates
(the seed rates are approximate and editors correct them); never delete anything."""

from django.db import migrations

from tracker.commitments import group_permissions

EDITABLE = ["milestone", "commitment", "source", "exchangerate"]
VIEWABLE = ["pillar", "agreement", "sector"]


def create_editors(apps, schema_editor):
    codenames = [f"{action}_{model}" for model in EDITABLE for action in ("add", "change", "view")]
    codenames += [f"view_{model}" for model in VIEWABLE]
    group_permissions.grant(apps, "Editors", "commitments", codenames)


def remove_editors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors, remove_editors)]
