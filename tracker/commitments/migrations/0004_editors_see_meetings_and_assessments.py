"""Editors add and change meetings and see assessments; recording an assessment takes the
separate `assess_commitment` permission."""

from django.db import migrations

from tracker.commitments import group_permissions

CODENAMES = ["add_meeting", "change_meeting", "view_meeting", "view_assessment"]


def grant(apps, schema_editor):
    group_permissions.grant(apps, "Editors", "commitments", CODENAMES)


def revoke(apps, schema_editor):
    group_permissions.revoke(apps, "Editors", "commitments", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0003_assessments_meetings_stages")]

    operations = [migrations.RunPython(grant, revoke)]
