"""Issue 14: the CSV exports import back with nothing changed, and an edited row is an edit
with its reason in the history (and, for a published figure, in the public corrections)."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests import factories
from tests.summit import LATER_MEETING, YEN
from tracker.commitments.models import (
    Commitment,
    Correction,
    ExchangeRate,
    Meeting,
    Milestone,
    Source,
)
from tracker.progress.engine import today

pytestmark = pytest.mark.django_db


def snapshot():
    """Every row an import could touch, with its history and the public corrections."""
    return {
        model.__name__: (
            list(model.objects.order_by("pk").values()),
            model.history.count(),
        )
        for model in (Milestone, Commitment, Source, ExchangeRate)
    } | {"corrections": Correction.objects.count()}


def rows_of(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def save(tmp_path, rows: list[dict], name="edited.csv", encoding="utf-8") -> str:
    path = tmp_path / name
    with path.open("w", newline="", encoding=encoding) as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def saved_body(tmp_path, body: bytes, name="export.csv") -> str:
    path = tmp_path / name
    path.write_bytes(body)
    return str(path)


def import_changes_nothing(command, path, capsys, django_capture_on_commit_callbacks):
    before = snapshot()
    with django_capture_on_commit_callbacks() as callbacks:
        call_command(command, path)
    assert snapshot() == before
    assert callbacks == []  # no recompute was queued
    return capsys.readouterr().out


def line_of(rows, row) -> int:
    return rows.index(row) + 2  # the header is line 1


# --- Milestones ------------------------------------------------------------------------------


def test_importing_the_public_milestones_export_changes_nothing(
    summit, client, tmp_path, capsys, django_capture_on_commit_callbacks
):
    body = client.get("/export/milestones.csv").getvalue()
    count = len(rows_of(body))
    assert count == Milestone.objects.on_record(today()).count() > 0
    out = import_changes_nothing(
        "import_milestones", saved_body(tmp_path, body), capsys, django_capture_on_commit_callbacks
    )
    assert f"Imported 0 milestone(s); {count} unchanged." in out


def test_importing_the_editors_full_export_changes_nothing(
    summit, tmp_path, capsys, django_capture_on_commit_callbacks
):
    loan = Commitment.objects.get(slug="jbic-loan-assam-bamboo-bioethanol")
    meeting = Meeting.objects.get(slug=LATER_MEETING)
    factories.milestone(loan, title="A draft", status="draft", sources=[])
    factories.milestone(loan, title="Planned", kind="planned", occurred_on=date(2099, 1, 1))
    factories.milestone(loan, title="Said again", kind="reaffirmed", meeting=meeting)
    factories.milestone(loan, title='=HYPERLINK("http://x")')
    withdrawn = factories.milestone(loan, title="Withdrawn")
    withdrawn.status, withdrawn.withdrawal_reason = "withdrawn", "The article was retracted."
    withdrawn.save()
    path = str(tmp_path / "all.csv")
    call_command("export_milestones", "--all", "--output", path)
    titles = {row["title"] for row in rows_of((tmp_path / "all.csv").read_bytes())}
    assert {
        "A draft",
        "Planned",
        "Said again",
        "Withdrawn",
        """'=HYPERLINK("http://x")""",
    } <= titles
    assert len(titles) == Milestone.objects.count()

    out = import_changes_nothing(
        "import_milestones", path, capsys, django_capture_on_commit_callbacks
    )
    assert f"{Milestone.objects.count()} unchanged" in out


def test_the_editors_export_without_all_is_the_public_one(summit, client, capsys):
    factories.milestone(
        Commitment.objects.get(slug="jbic-loan-assam-bamboo-bioethanol"),
        title="A draft",
        status="draft",
    )
    call_command("export_milestones")
    written = capsys.readouterr().out
    assert rows_of(written.encode()) == rows_of(client.get("/export/milestones.csv").getvalue())
    assert "A draft" not in written


def test_an_export_saved_with_a_byte_order_mark_still_changes_nothing(
    summit, client, tmp_path, capsys, django_capture_on_commit_callbacks
):
    rows = rows_of(client.get("/export/milestones.csv").getvalue())
    path = save(tmp_path, rows, encoding="utf-8-sig")
    assert (tmp_path / "edited.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    import_changes_nothing("import_milestones", path, capsys, django_capture_on_commit_callbacks)


def test_an_edited_milestone_row_without_a_change_reason_fails_with_its_line_and_writes_nothing(
    summit, client, tmp_path, capsys
):
    rows = rows_of(client.get("/export/milestones.csv").getvalue())
    edited = rows[3]
    edited["title"] += " (corrected)"
    before = snapshot()
    with pytest.raises(CommandError, match="Nothing imported: 1 bad row"):
        call_command("import_milestones", save(tmp_path, rows))
    errors = capsys.readouterr().err
    assert (
        f"line {line_of(rows, edited)}: this row changes milestone {edited['id']} (title): "
        "say why in a change_reason column"
    ) in errors
    assert snapshot() == before


def test_an_edited_published_figure_with_a_change_reason_is_in_the_history_and_corrected(
    summit, client, tmp_path, capsys, editor, django_capture_on_commit_callbacks
):
    rows = rows_of(client.get("/export/milestones.csv").getvalue())
    edited = next(r for r in rows if r["stage"] == "agreed")
    edited["stage"] = "under_way"
    edited["change_reason"] = "Article 003 reports work under way."
    before = Correction.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("import_milestones", save(tmp_path, rows), "--user", editor.username)
    assert f"updated 1; {len(rows) - 1} unchanged" in capsys.readouterr().out
    assert callbacks  # the commitment is recomputed

    milestone = Milestone.objects.get(pk=edited["id"])
    assert milestone.stage == "under_way" and milestone.updated_by == editor
    record = milestone.history.latest()
    assert (record.history_change_reason, record.history_user) == (edited["change_reason"], editor)
    assert record.prev_record.stage == "agreed"
    correction = Correction.objects.get(milestone=milestone)
    assert Correction.objects.count() == before + 1
    assert (correction.kind, correction.reason, correction.made_by) == (
        "correction",
        edited["change_reason"],
        editor,
    )
    assert [c["field"] for c in correction.changes] == ["stage"]
    assert milestone.commitment.progress.stage == "under_way"


def test_a_row_without_an_id_in_an_export_is_a_new_milestone(summit, client, tmp_path):
    rows = rows_of(client.get("/export/milestones.csv").getvalue())
    copy = dict(rows[0], id="", title="A second, similar event")
    call_command("import_milestones", save(tmp_path, [*rows, copy]))
    added = Milestone.objects.get(title="A second, similar event")
    original = Milestone.objects.get(pk=rows[0]["id"])
    assert added.pk != original.pk
    # Sources without a url are found by title: the article, not one quoted sentence of it.
    assert {s.title for s in added.sources.all()} == {s.title for s in original.sources.all()}


def test_withdrawing_a_published_milestone_by_import_leaves_a_public_note(summit, client, tmp_path):
    rows = rows_of(client.get("/export/milestones.csv").getvalue())
    edited = rows[0]
    edited |= {
        "status": "withdrawn",
        "withdrawal_reason": "The source misreported the date.",
        "change_reason": "Withdrawn: misreported.",
    }
    call_command("import_milestones", save(tmp_path, rows))
    correction = Correction.objects.get(milestone_id=edited["id"])
    assert (correction.kind, correction.reason) == ("withdrawal", edited["withdrawal_reason"])


def test_a_published_milestone_cannot_be_set_back_to_draft_by_import(
    summit, client, tmp_path, capsys
):
    rows = rows_of(client.get("/export/milestones.csv").getvalue())
    rows[0] |= {"status": "draft", "change_reason": "Oops"}
    before = snapshot()
    with pytest.raises(CommandError):
        call_command("import_milestones", save(tmp_path, rows))
    assert "line 2: status: A published milestone is withdrawn with a reason" in (
        capsys.readouterr().err
    )
    assert snapshot() == before


# --- Commitments -----------------------------------------------------------------------------


def test_importing_the_commitments_export_changes_nothing(
    summit, client, tmp_path, capsys, django_capture_on_commit_callbacks
):
    body = client.get("/export/commitments.csv").getvalue()
    out = import_changes_nothing(
        "import_commitments",
        saved_body(tmp_path, body),
        capsys,
        django_capture_on_commit_callbacks,
    )
    assert f"Imported 0 commitment(s); {Commitment.objects.count()} unchanged." in out


def test_an_edited_commitment_row_without_a_change_reason_fails_with_its_line(
    summit, client, tmp_path, capsys
):
    rows = rows_of(client.get("/export/commitments.csv").getvalue())
    edited = next(r for r in rows if r["slug"] == YEN)
    edited["target_value"] = "¥11 trillion"
    edited["status"] = "achieved"  # a computed column: ignored, not an edit
    before = snapshot()
    with pytest.raises(CommandError, match="1 bad row"):
        call_command("import_commitments", save(tmp_path, rows))
    assert (
        f"line {line_of(rows, edited)}: this row changes the commitment '{YEN}' (target_value)"
    ) in capsys.readouterr().err
    assert snapshot() == before


def test_an_edited_commitment_with_a_change_reason_is_saved_with_it_in_the_history(
    summit, client, tmp_path, editor
):
    rows = rows_of(client.get("/export/commitments.csv").getvalue())
    edited = next(r for r in rows if r["slug"] == YEN)
    edited |= {"target_value": "¥11 trillion", "target_unit": "", "change_reason": "Restated."}
    call_command("import_commitments", save(tmp_path, rows), "--user", editor.username)
    commitment = Commitment.objects.get(slug=YEN)
    assert (commitment.target_value, commitment.target_unit) == (Decimal("11e12"), "JPY")
    record = commitment.history.latest()
    assert (record.history_change_reason, record.history_user) == ("Restated.", editor)
    assert Commitment.history.filter(history_change_reason="Restated.").count() == 1


def test_a_new_commitment_row_is_added_citing_its_sources(summit, client, tmp_path):
    rows = rows_of(client.get("/export/commitments.csv").getvalue())
    template = next(r for r in rows if r["slug"] == YEN)
    parent = dict(template, slug="a-new-target", title="A new target", parent="")
    child = dict(parent, slug="a-new-sub-target", title="Part of it", parent="a-new-target")
    call_command("import_commitments", save(tmp_path, [parent, child]))
    added = Commitment.objects.get(slug="a-new-sub-target")
    assert added.parent.slug == "a-new-target"
    assert added.target_value == Commitment.objects.get(slug=YEN).target_value
    assert {s.title for s in added.sources.all()} == {
        s.title for s in Commitment.objects.get(slug=YEN).sources.all()
    }
    # Saved, then its sources cited: two records, both with the import's reason.
    assert [(r.history_type, r.history_change_reason) for r in added.history.order_by("pk")] == [
        ("+", "Imported from CSV."),
        ("~", "Imported from CSV."),
    ]


def test_a_new_commitment_whose_parent_is_on_a_later_line_is_a_row_error(
    summit, client, tmp_path, capsys
):
    rows = rows_of(client.get("/export/commitments.csv").getvalue())
    template = next(r for r in rows if r["slug"] == YEN)
    parent = dict(template, slug="a-new-target", parent="")
    child = dict(parent, slug="a-new-sub-target", parent="a-new-target")
    with pytest.raises(CommandError):
        call_command("import_commitments", save(tmp_path, [child, parent]))
    assert "line 2: parent 'a-new-target' is on a later line" in capsys.readouterr().err
    assert not Commitment.objects.filter(slug__startswith="a-new").exists()


# --- Exchange rates --------------------------------------------------------------------------


@pytest.fixture
def rates(db):
    ExchangeRate.objects.create(date=date(2026, 1, 15), currency="JPY", units_per_usd="151.25")
    ExchangeRate.objects.create(
        date=date(2026, 1, 15), currency="INR", units_per_usd=84, is_reference=False, note="RBI"
    )


def test_importing_the_exchange_rates_export_changes_nothing(
    rates, client, tmp_path, capsys, django_capture_on_commit_callbacks
):
    body = client.get("/export/exchange-rates.csv").getvalue()
    out = import_changes_nothing(
        "import_rates", saved_body(tmp_path, body), capsys, django_capture_on_commit_callbacks
    )
    assert "Imported 0 rate(s); 2 unchanged." in out


def test_an_edited_exchange_rate_is_updated_with_a_reason_in_the_history(
    rates, client, tmp_path, capsys, editor
):
    rows = rows_of(client.get("/export/exchange-rates.csv").getvalue())
    jpy = next(r for r in rows if r["currency"] == "JPY")
    jpy |= {"units_per_usd": "150.9", "is_reference": "false", "note": "Official fix"}
    call_command("import_rates", save(tmp_path, rows), "--user", editor.username)
    assert "Imported 0 rate(s); updated 1; 1 unchanged." in capsys.readouterr().out
    rate = ExchangeRate.objects.get(currency="JPY")
    assert (rate.units_per_usd, rate.is_reference, rate.note) == (
        Decimal("150.9"),
        False,
        "Official fix",
    )
    record = rate.history.latest()
    assert (record.history_user, record.history_change_reason) == (editor, "Imported from CSV.")


def test_a_dry_run_of_an_edited_commitment_says_what_it_would_do_and_writes_nothing(
    summit, client, tmp_path, capsys
):
    rows = rows_of(client.get("/export/commitments.csv").getvalue())
    edited = next(r for r in rows if r["slug"] == YEN)
    edited |= {"title": "A retitled target", "change_reason": "Clearer title."}
    before = snapshot()
    call_command("import_commitments", save(tmp_path, rows), "--dry-run")
    assert f"Would import 0 commitment(s); would update 1; {len(rows) - 1} unchanged." in (
        capsys.readouterr().out
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    "model, command",
    [("milestone", "import_milestones"), ("exchangerate", "import_rates")],
)
def test_the_admins_export_of_every_row_imports_back_as_no_change(
    summit, editor_client, tmp_path, capsys, django_capture_on_commit_callbacks, model, command
):
    loan = Commitment.objects.get(slug="jbic-loan-assam-bamboo-bioethanol")
    factories.milestone(loan, title="A draft only editors see", status="draft", sources=[])
    ExchangeRate.objects.create(date=date(2025, 9, 1), currency="JPY", units_per_usd=147)
    response = editor_client.get(f"/admin/commitments/{model}/export/")
    assert response.status_code == 200
    rows = rows_of(response.content)
    expected = Milestone.objects.count() if model == "milestone" else ExchangeRate.objects.count()
    assert len(rows) == expected > 0
    import_changes_nothing(
        command, saved_body(tmp_path, response.content), capsys, django_capture_on_commit_callbacks
    )


def test_the_admins_export_needs_a_signed_in_editor(client):
    response = client.get("/admin/commitments/milestone/export/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_editor_cannot_publish_or_withdraw_through_the_admins_import(summit, editor_client):
    loan = Commitment.objects.get(slug="jbic-loan-assam-bamboo-bioethanol")
    published = Milestone.objects.filter(commitment=loan, status="published").first()
    source = factories.source(url="https://example.org/report", title="Report")
    rows = [
        f",{loan.slug},2026-02-01,evidence,Plant opened,,,complete,published,"
        f"{source.url},Report,,,",
        f"{published.pk},{loan.slug},{published.occurred_on},evidence,{published.title},,,"
        f"agreed,withdrawn,,,,Misread,Test",
    ]
    body = ",".join(
        ["id", "commitment", "occurred_on", "kind", "title", "amount", "unit", "stage", "status"]
        + ["source_url", "source_title", "meeting", "withdrawal_reason", "change_reason"]
    )
    upload = io.BytesIO("\n".join([body, *rows]).encode())
    upload.name = "m.csv"
    before = snapshot()
    response = editor_client.post(
        "/admin/commitments/milestone/import/", {"file": upload, "dry_run": ""}
    )
    page = response.content.decode()
    assert "line 2: status: Only a reviewer can publish" in page
    assert "line 3: status:" in page
    assert snapshot() == before
