"""Editors may read the send log and the subscribers, and preview the digest; no more."""

from django.db import migrations

from tracker.commitments import group_permissions

CODENAMES = ["view_subscriber", "view_digestsend"]


def grant(apps, schema_editor):
    group_permissions.grant(apps, "Editors", "digest", CODENAMES)


def revoke(apps, schema_editor):
    group_permissions.revoke(apps, "Editors", "digest", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("digest", "0001_initial"),
        ("commitments", "0002_editors_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
