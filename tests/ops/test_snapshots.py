"""export_snapshot and import_snapshot: every row back exactly, or nothing changed."""

import gzip
import json
from datetime import date, timedelta

import pytest
from axes.models import AccessLog
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.sql import emit_post_migrate_signal
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tracker.commitments.models import Assessment, Commitment, Correction, Milestone, Pillar, Source
from tracker.digest.models import DigestSend, Subscriber
from tracker.methodology import vocabulary as v

from .conftest import python

# Made by migrate in every database, or belonging to the running site: not in a snapshot.
LEFT_OUT = {"contenttypes.contenttype", "auth.permission", "sessions.session", "admin.logentry"}


def everything() -> dict[str, list]:
    """Every row of every kept model, as Django's serializer sees it (many-to-many links and
    references to content types and permissions by natural key)."""
    return {
        model._meta.label_lower: serializers.serialize(
            "python", model._base_manager.order_by("pk"), use_natural_foreign_keys=True
        )
        for model in apps.get_models(include_auto_created=True)
        if model._meta.label_lower not in LEFT_OUT
    }


def add_editors_work(django_user_model):
    """Beyond the summit fixtures: the rows editors, readers and staff add."""
    # Made by a data migration, unless an earlier test emptied the database.
    reviewers, _ = Group.objects.get_or_create(name="Reviewers")
    publish = Permission.objects.get(codename="publish_milestone")
    reviewers.permissions.add(publish)
    user = django_user_model.objects.create_user("rev", "rev@example.org", "pw", is_staff=True)
    user.groups.add(reviewers)
    user.user_permissions.add(publish)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    AccessLog.objects.create(
        username="rev", ip_address="203.0.113.5", user_agent="Firefox", http_accept="*/*",
        path_info="/admin/login/",
    )  # fmt: skip

    corrected, withdrawn = Milestone.objects.filter(status=v.PUBLISHED).order_by("pk")[:2]
    corrected.occurred_on += timedelta(days=1)
    corrected.updated_by = user
    corrected._change_reason = "The ministry revised the figure."
    corrected.save()
    withdrawn.status = v.WITHDRAWN
    withdrawn.withdrawal_reason = "The source retracted the report."
    withdrawn._change_reason = withdrawn.withdrawal_reason
    withdrawn.save()

    Assessment.objects.create(
        commitment=Commitment.objects.order_by("pk").first(), status=v.AT_RISK,
        reason="Disbursement has slowed.", assessed_by=user,
    )  # fmt: skip
    reader = Subscriber.objects.create(email="reader@example.org", confirmed_at=timezone.now())
    reader.pillars.set(Pillar.objects.order_by("pk")[:2])
    DigestSend.objects.create(
        subscriber=reader, week=date(2025, 9, 7), status="sent", attempts=1,
        sent_at=timezone.now(),
    )  # fmt: skip


def fresh_database():
    """Empty the database as a new one is: tables empty, content types and permissions made
    again by migrate, with other ids than before (one placeholder first shifts them)."""
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    ContentType.objects.clear_cache()
    ContentType.objects.create(app_label="ops", model="placeholder")
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


@pytest.mark.django_db(transaction=True)
def test_a_snapshot_loads_every_row_back_into_a_fresh_database(summit, django_user_model, tmp_path):
    add_editors_work(django_user_model)
    before = everything()
    permission_id = Permission.objects.get(codename="publish_milestone").pk
    assert Correction.objects.filter(kind="correction").exists()
    assert Correction.objects.filter(kind="withdrawal").exists()
    for label in [
        "commitments.historicalmilestone", "commitments.historicalmilestone_sources",
        "progress.rollupmark", "digest.subscriber_pillars", "auth.user_groups",
        "auth.group_permissions", "auth.user_user_permissions", "otp_totp.totpdevice",
        "axes.accesslog",
    ]:  # fmt: skip
        assert before[label], f"{label} has no rows to compare"

    snapshot = tmp_path / "tracker.jsonl.gz"
    call_command("export_snapshot", str(snapshot), verbosity=0)
    fresh_database()
    assert Permission.objects.get(codename="publish_milestone").pk != permission_id
    assert not Milestone.objects.exists() and not Group.objects.exists()
    call_command("import_snapshot", str(snapshot), verbosity=0)

    after = everything()
    for label, rows in before.items():
        assert after[label] == rows, label


@pytest.mark.django_db(transaction=True)
def test_new_rows_get_fresh_ids_after_an_import(summit, django_user_model, tmp_path):
    add_editors_work(django_user_model)
    snapshot = tmp_path / "tracker.jsonl.gz"
    call_command("export_snapshot", str(snapshot), verbosity=0)
    fresh_database()
    call_command("import_snapshot", str(snapshot), verbosity=0)
    highest_source = Source.objects.order_by("-pk").first().pk

    source = Source.objects.create(title="A new article", excerpt="A new sentence.")
    user = django_user_model.objects.create_user("new", "new@example.org", "pw")
    user.groups.add(Group.objects.create(name="Interns"))
    reader = Subscriber.objects.create(email="new@example.org")
    reader.pillars.add(Pillar.objects.first())

    assert source.pk > highest_source
    assert source.history.count() == 1


def test_export_says_what_it_wrote(summit, tmp_path, capsys):
    snapshot = tmp_path / "tracker.jsonl.gz"
    call_command("export_snapshot", str(snapshot))

    header = json.loads(gzip.open(snapshot, "rt").readline())
    assert header["format"] == "india-japan-tracker-snapshot"
    assert header["version"] == 1
    assert "0001_initial" in header["migrations"]["commitments"]
    assert header["rows"]["commitments.commitment"] == Commitment.objects.count()
    total = sum(header["rows"].values())
    assert f"Wrote {total} rows" in capsys.readouterr().out


def test_import_refuses_a_database_that_holds_data(summit, tmp_path):
    snapshot = tmp_path / "tracker.jsonl.gz"
    call_command("export_snapshot", str(snapshot), verbosity=0)
    Source.objects.create(title="Added after the snapshot", excerpt="Still here.")

    with pytest.raises(
        CommandError, match="(?s)already holds data.*--replace.*Nothing was changed"
    ):
        call_command("import_snapshot", str(snapshot))

    assert Source.objects.filter(title="Added after the snapshot").exists()


def test_import_with_replace_puts_the_snapshot_in_place_of_the_data(summit, tmp_path):
    before = everything()
    snapshot = tmp_path / "tracker.jsonl.gz"
    call_command("export_snapshot", str(snapshot), verbosity=0)
    Source.objects.create(title="Added after the snapshot", excerpt="Goes with the replace.")
    Milestone.objects.filter(status=v.PUBLISHED).first().delete()

    call_command("import_snapshot", str(snapshot), "--replace", verbosity=0)

    assert everything() == before


def test_import_refuses_a_file_that_is_not_a_snapshot(db, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a snapshot")
    other_json = tmp_path / "other.jsonl.gz"
    with gzip.open(other_json, "wt") as out:
        out.write('{"model": "commitments.source"}\n')

    with pytest.raises(CommandError, match="is not a tracker snapshot"):
        call_command("import_snapshot", str(text))
    with pytest.raises(CommandError, match="is not a tracker snapshot"):
        call_command("import_snapshot", str(other_json))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_snapshot", str(tmp_path / "missing.jsonl.gz"))


def rewrite(snapshot, change_header=None, change_lines=None):
    with gzip.open(snapshot, "rt") as lines:
        header, *rows = lines.read().splitlines()
    header = json.loads(header)
    if change_header:
        change_header(header)
    if change_lines:
        rows = change_lines(rows)
    with gzip.open(snapshot, "wt") as out:
        out.write("\n".join([json.dumps(header), *rows]) + "\n")


def test_import_refuses_a_snapshot_taken_at_other_migrations(summit, tmp_path):
    snapshot = tmp_path / "tracker.jsonl.gz"
    call_command("export_snapshot", str(snapshot), verbosity=0)
    newest_digest = sorted(
        json.loads(gzip.open(snapshot, "rt").readline())["migrations"]["digest"]
    )[-1]

    def from_other_release(header):
        header["migrations"]["commitments"].append("0099_from_a_later_release")
        header["migrations"]["digest"].remove(newest_digest)

    rewrite(snapshot, change_header=from_other_release)

    with pytest.raises(CommandError) as refused:
        call_command("import_snapshot", str(snapshot), "--replace")
    message = str(refused.value)
    assert "other migrations than this database" in message
    assert "commitments: only in the snapshot: 0099_from_a_later_release" in message
    assert f"digest: only in this database: {newest_digest}" in message
    assert "Nothing was changed" in message


def test_a_snapshot_that_fails_part_way_changes_nothing(summit, tmp_path):
    before = everything()
    snapshot = tmp_path / "tracker.jsonl.gz"
    call_command("export_snapshot", str(snapshot), verbosity=0)

    def orphan_a_milestone(rows):
        for i, row in enumerate(rows):
            data = json.loads(row)
            if data["model"] == "commitments.milestone":
                data["fields"]["commitment_id"] = 999_999
                rows[i] = json.dumps(data)
                return rows

    rewrite(snapshot, change_lines=orphan_a_milestone)

    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("import_snapshot", str(snapshot), "--replace")

    assert everything() == before


@pytest.mark.parametrize("cut", ["rows", "bytes"])
def test_a_cut_off_snapshot_changes_nothing(summit, tmp_path, cut):
    before = everything()
    snapshot = tmp_path / "tracker.jsonl.gz"
    call_command("export_snapshot", str(snapshot), verbosity=0)
    if cut == "rows":  # a valid file missing its end
        rewrite(snapshot, change_lines=lambda rows: rows[: len(rows) // 2])
    else:  # a copy interrupted mid-transfer
        snapshot.write_bytes(snapshot.read_bytes()[: snapshot.stat().st_size // 2])

    with pytest.raises(CommandError, match="incomplete" if cut == "rows" else "cut off or damaged"):
        call_command("import_snapshot", str(snapshot), "--replace")

    assert everything() == before


def test_datetimes_and_decimals_keep_every_digit(db, tmp_path):
    moment = timezone.now().replace(microsecond=123456) - timedelta(days=3)
    reader = Subscriber.objects.create(email="exact@example.org", confirmed_at=moment)
    snapshot = tmp_path / "tracker.jsonl.gz"
    call_command("export_snapshot", str(snapshot), verbosity=0)
    Subscriber.objects.all().delete()

    call_command("import_snapshot", str(snapshot), verbosity=0)

    loaded = Subscriber.objects.get(pk=reader.pk)
    assert loaded.confirmed_at == moment
    assert loaded.created_at == reader.created_at  # auto_now_add left as it was


def test_an_unmigrated_database_is_refused_both_ways(tmp_path):
    empty = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    snapshot = tmp_path / "header-only.jsonl.gz"
    with gzip.open(snapshot, "wt") as out:
        header = {"format": "india-japan-tracker-snapshot", "version": 1, "migrations": {}}
        out.write(json.dumps(header | {"rows": {}}) + "\n")
    for command, file in [
        ("export_snapshot", tmp_path / "out.jsonl.gz"),
        ("import_snapshot", snapshot),
    ]:
        result = python(
            "from django.core.management import execute_from_command_line; "
            f"execute_from_command_line(['manage.py', '{command}', '{file}'])",
            DJANGO_SETTINGS_MODULE="tracker.settings", DEBUG="true", DATABASE_URL=empty,
        )  # fmt: skip
        assert result.returncode != 0
        assert "This database is not migrated" in result.stderr, result.stderr
    assert not (tmp_path / "out.jsonl.gz").exists()
