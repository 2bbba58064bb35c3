"""The Reviewers group: everything editors do, and publish, withdraw, correct and assess.
Both groups read the corrections log and the history; nobody in either deletes."""

from django.db import migrations

from tracker.commitments import group_permissions

EDITOR_EXTRA = ["view_correction"]
REVIEWER_ONLY = ["publish_milestone", "assess_commitment", "add_assessment"]


def create_reviewers(apps, schema_editor):
    group_permissions.grant(apps, "Editors", "commitments", EDITOR_EXTRA)
    Group = apps.get_model("auth", "Group")
    editors = Group.objects.get(name="Editors")
    reviewers, _ = Group.objects.get_or_create(name="Reviewers")
    reviewers.permissions.add(*editors.permissions.all())
    group_permissions.grant(apps, "Reviewers", "commitments", REVIEWER_ONLY)


def remove_reviewers(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Reviewers").delete()
    group_permissions.revoke(apps, "Editors", "commitments", EDITOR_EXTRA)


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0005_history_withdrawals_corrections"),
        ("digest", "0002_editors_view_digest"),
    ]

    operations = [migrations.RunPython(create_reviewers, remove_reviewers)]
