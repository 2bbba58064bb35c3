"""All-or-nothing CSV imports, through the management commands and the admin."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from tests.summit import JBIC_LOAN
from tracker.commitments.imports import MILESTONE_COLUMNS, MILESTONE_OPTIONAL
from tracker.commitments.models import Commitment, ExchangeRate, Milestone, Source
from tracker.progress.models import CommitmentProgress

pytestmark = pytest.mark.django_db
HEADER = "commitment,occurred_on,kind,title,amount,unit,stage,status,source_url,source_title\n"
OLD_HEADER = (
    "commitment,occurred_on,title,amount,unit,percent_complete,status,source_url,source_title\n"
)


@pytest.fixture
def yen_target(summit):
    return Commitment.objects.get(target_unit="JPY", target_value=Decimal("10000000000000"))


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return str(path)


def achieved(commitment):
    return CommitmentProgress.objects.get(commitment=commitment).achieved_value


def tomorrow():
    return (timezone.localdate() + timedelta(days=1)).isoformat()


def test_the_columns_are_the_documented_ones_with_the_round_trip_ones_optional():
    required = [c for c in MILESTONE_COLUMNS if c not in MILESTONE_OPTIONAL]
    assert ",".join(required) + "\n" == HEADER
    assert MILESTONE_COLUMNS == ["id", *required, "meeting", "withdrawal_reason", "change_reason"]


def test_mixed_currency_milestones_move_achieved_value_by_the_converted_sum(
    tmp_path, yen_target, django_capture_on_commit_callbacks
):
    rates = write(
        tmp_path,
        "rates.csv",
        "date,currency,units_per_usd\n2026-01-15,JPY,150\n2026-01-15,INR,80\n"
        "2026-03-01,JPY,140\n2026-03-01,INR,85\n",
    )
    s = yen_target.slug
    milestones = write(
        tmp_path,
        "milestones.csv",
        HEADER
        + f"{s},2026-01-20,evidence,Yen tranche,300000000000,JPY,,published,https://example.org/a,A\n"
        + f"{s},2026-01-20,,Rupee tranche,8000000000,INR,,published,https://example.org/b,B\n"
        + f"{s},2026-03-05,Evidence,Dollar tranche,1000000000,USD,,published,https://example.org/a,A\n"
        + f"{s},2026-03-05,evidence,Draft tranche,9000000000000,JPY,,draft,,\n",
    )
    call_command("recompute_progress", "--as-of", "2026-06-01")
    before = achieved(yen_target)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_rates", rates)
        call_command("import_milestones", milestones)
    call_command("recompute_progress", "--as-of", "2026-06-01")
    # ¥300bn + ₹8bn at 80/USD × 150 (¥15bn) + $1bn × 140 (¥140bn); no drafts.
    assert achieved(yen_target) - before == Decimal("455000000000")
    assert Source.objects.filter(url="https://example.org/a").count() == 1
    assert set(
        Milestone.objects.filter(title__endswith="tranche").values_list("kind", flat=True)
    ) == {"evidence"}


def test_kind_and_stage_columns(tmp_path, summit, django_capture_on_commit_callbacks):
    loan = Commitment.objects.get(slug=JBIC_LOAN)
    path = write(
        tmp_path,
        "m.csv",
        HEADER + f"{JBIC_LOAN},2026-02-01,evidence,First disbursement,,,Under_Way,published,"
        "https://example.org/jbic,JBIC\n"
        + f"{JBIC_LOAN},{tomorrow()},planned,Plant opening,,,,published,"
        "https://example.org/jbic,JBIC\n",
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_milestones", path)
    disbursed = Milestone.objects.get(title="First disbursement")
    assert (disbursed.kind, disbursed.stage, disbursed.status) == (
        "evidence",
        "under_way",
        "published",
    )
    opening = Milestone.objects.get(title="Plant opening")
    assert (opening.kind, opening.stage) == ("planned", "")
    assert list(Milestone.objects.upcoming()) == [opening]
    progress = CommitmentProgress.objects.get(commitment=loan)
    assert progress.stage == "under_way"
    assert progress.last_evidence_on == date(2026, 2, 1)  # the planned opening counts for nothing


@pytest.mark.parametrize(
    "row, message",
    [
        (
            f"{JBIC_LOAN},2026-02-01,evidence,No stage,,,,published,https://example.org/x,X",
            "line 3: stage: Choose the completion stage this evidence shows.",
        ),
        (
            "japanese-private-investment-10-trillion-yen,2026-02-01,evidence,No source,1,JPY,,"
            "published,,",
            "line 3: a published milestone needs a source_url",
        ),
        (
            f"{JBIC_LOAN},2026-02-01,planned,Planned but unsourced,,,,published,,",
            "line 3: a published milestone needs a source_url",
        ),
        (
            f"{JBIC_LOAN},2099-01-01,evidence,Not yet,,,complete,published,https://example.org/x,X",
            "line 3: occurred_on 2099-01-01 is in the future: import it as planned, or as a draft",
        ),
        (
            f"{JBIC_LOAN},2026-02-01,milestone,Old kind,,,agreed,draft,,",
            "line 3: kind 'milestone' is not one of evidence, reaffirmed, planned",
        ),
        (
            f"{JBIC_LOAN},2026-02-01,reaffirmed,Said again,,,,draft,,",
            "line 3: meeting: Name the meeting that reaffirmed the commitment.",
        ),
        (
            f"{JBIC_LOAN},2026-02-01,evidence,Announced,,,announced,draft,,",
            "line 3: stage:",
        ),
        (
            f"{JBIC_LOAN},2026-02-01,planned,Planned with a stage,,,agreed,draft,,",
            "line 3: stage: A planned event moves nothing; leave the stage empty.",
        ),
    ],
)
def test_a_refused_row_is_named_and_nothing_is_imported(tmp_path, summit, capsys, row, message):
    good = f"{JBIC_LOAN},2026-01-10,evidence,Fine,,,agreed,published,https://example.org/ok,OK\n"
    path = write(tmp_path, "m.csv", HEADER + good + row + "\n")
    before = (Milestone.objects.count(), Source.objects.count())
    with pytest.raises(CommandError, match="Nothing imported: 1 bad row"):
        call_command("import_milestones", path)
    errors = capsys.readouterr().err
    assert message in errors
    assert "line 2" not in errors
    assert (Milestone.objects.count(), Source.objects.count()) == before


def test_a_future_row_is_accepted_as_a_draft_or_as_planned(tmp_path, summit):
    later = tomorrow()
    path = write(
        tmp_path,
        "m.csv",
        HEADER
        + f"{JBIC_LOAN},{later},evidence,Draft for later,,,under_way,draft,,\n"
        + f"{JBIC_LOAN},{later},planned,Planned,,,,published,https://example.org/p,P\n"
        + f"{JBIC_LOAN},{timezone.localdate().isoformat()},evidence,Today,,,agreed,published,"
        "https://example.org/p,P\n",
    )
    call_command("import_milestones", path)
    assert Milestone.objects.filter(title__in=["Draft for later", "Planned", "Today"]).count() == 3


def test_one_bad_row_imports_nothing_and_names_every_bad_row(tmp_path, yen_target, capsys):
    s = yen_target.slug
    path = write(
        tmp_path,
        "m.csv",
        HEADER
        + f"{s},2026-01-20,evidence,Fine,1,JPY,,published,https://example.org/a,A\n"
        + "no-such-commitment,2026-01-20,evidence,Bad slug,1,JPY,,published,https://a.org/,A\n"
        + f"{s},2026-02-30,evidence,Bad date,1,JPY,,published,https://example.org/a,A\n"
        + f"{s},2026-01-20,evidence,Negative,-5,JPY,,published,https://example.org/a,A\n"
        + f"{s},2026-01-20,evidence,People,5,persons,,published,https://example.org/a,A\n"
        + f"{s},2026-01-20,evidence,Unsourced,5,JPY,,published,,\n"
        + f"{s},2099-01-20,evidence,Future,5,JPY,,published,https://example.org/a,A\n"
        + f"{s},2026-01-20,evidence,Fine too,1,JPY,,draft,,\n",
    )
    before = (Milestone.objects.count(), Source.objects.count())
    with pytest.raises(CommandError, match="Nothing imported: 6 bad row"):
        call_command("import_milestones", path)
    errors = capsys.readouterr().err
    assert "line 3: no commitment with slug 'no-such-commitment'" in errors
    assert "line 4: occurred_on '2026-02-30' is not a date" in errors
    assert "line 5: amount: Cannot read '-5' as an amount: amounts cannot be negative" in errors
    assert "line 6: unit: persons cannot be added to a target in JPY" in errors
    assert "line 7: a published milestone needs a source_url" in errors
    assert "line 8: occurred_on 2099-01-20 is in the future" in errors
    assert "line 2:" not in errors and "line 9:" not in errors
    assert (Milestone.objects.count(), Source.objects.count()) == before


def test_dry_run_checks_but_writes_nothing(tmp_path, yen_target, capsys):
    path = write(
        tmp_path,
        "m.csv",
        HEADER + f"{yen_target.slug},2026-01-20,evidence,Fine,1,JPY,,published,https://e.org/,E\n",
    )
    before = (Milestone.objects.count(), Source.objects.count())
    call_command("import_milestones", path, "--dry-run")
    assert "Would import 1 milestone" in capsys.readouterr().out
    assert (Milestone.objects.count(), Source.objects.count()) == before


def test_excel_byte_order_mark_is_accepted(tmp_path, yen_target):
    path = write(
        tmp_path,
        "m.csv",
        HEADER + f"{yen_target.slug},2026-01-20,,BOM,1,JPY,,draft,,\n",
        "utf-8-sig",
    )
    call_command("import_milestones", path)
    assert Milestone.objects.get(title="BOM").kind == "evidence"  # an empty kind is evidence


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\xff\xfe\x00bad", "line 1: the file is not UTF-8 text"),
        (b"commitment,title\nx,y\n", "line 1: missing column(s) occurred_on, kind,"),
        (
            OLD_HEADER.encode() + b"x,2026-01-01,t,1,JPY,,draft,,\n",
            "missing column(s) kind, stage;",
        ),
        (HEADER.encode(), "the file has no rows"),
    ],
)
def test_unreadable_files_get_a_clear_error(tmp_path, db, content, message, capsys):
    path = tmp_path / "m.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError):
        call_command("import_milestones", str(path))
    assert message in capsys.readouterr().err


def test_rates_import_updates_an_existing_day(tmp_path, db):
    ExchangeRate.objects.create(date=date(2026, 1, 15), currency="JPY", units_per_usd=150)
    path = write(
        tmp_path, "r.csv", "date,currency,units_per_usd\n2026-01-15,jpy,151.25\n2026-01-15,INR,84\n"
    )
    call_command("import_rates", path)
    assert ExchangeRate.objects.get(currency="JPY").units_per_usd == Decimal("151.25")
    assert ExchangeRate.objects.count() == 2


def test_rates_import_is_all_or_nothing(tmp_path, db, capsys):
    path = write(
        tmp_path,
        "r.csv",
        "date,currency,units_per_usd\n2026-01-15,JPY,150\n2026-01-15,USD,1\n"
        "2026-01-16,ABC,3\n2026-01-17,INR,0\n2026-01-15,JPY,151\n",
    )
    with pytest.raises(CommandError):
        call_command("import_rates", path)
    err = capsys.readouterr().err
    assert "line 3: USD is the base currency" in err
    assert "line 4: currency 'ABC'" in err
    assert "line 5: units_per_usd must be a positive number" in err
    assert "line 6: JPY on 2026-01-15 is already on line 2" in err
    assert not ExchangeRate.objects.exists()


def test_admin_import_page_previews_then_imports(yen_target, editor_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("admin:commitments_milestone_import")
    response = editor_client.get(url)
    assert HEADER.strip() in response.content.decode()  # the page names the columns
    csv = (
        HEADER + f"{yen_target.slug},2026-01-20,evidence,From the admin,1,JPY,,draft,,\n"
    ).encode()
    response = editor_client.post(url, {"file": SimpleUploadedFile("m.csv", csv), "dry_run": "on"})
    assert response.status_code == 200
    assert not Milestone.objects.filter(title="From the admin").exists()
    response = editor_client.post(url, {"file": SimpleUploadedFile("m.csv", csv)})
    assert response.status_code == 302
    assert Milestone.objects.get(title="From the admin").created_by.username == "ed"


def test_admin_import_page_lists_bad_rows(yen_target, editor_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = (
        HEADER
        + "nope,2026-01-20,evidence,x,1,JPY,,draft,,\n"
        + f"{yen_target.slug},2026-01-20,evidence,y,1,JPY,,published,,\n"
    ).encode()
    response = editor_client.post(
        reverse("admin:commitments_milestone_import"), {"file": SimpleUploadedFile("m.csv", csv)}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "line 2: no commitment with slug &#x27;nope&#x27;" in content
    # From the admin an editor imports drafts: publishing is a reviewer's.
    assert "line 3: status: Only a reviewer can publish" in content
    assert not Milestone.objects.filter(title__in=["x", "y"]).exists()


# --- Amounts as people write them (issue 14) -------------------------------------------------


@pytest.mark.parametrize(
    "amount, unit, value, stored_unit",
    [
        ("₹5,000 crore", "", Decimal("50000000000"), "INR"),
        ("₹5,000 crore", "inr", Decimal("50000000000"), "INR"),
        ("¥500 billion", "", Decimal("500000000000"), "JPY"),
        ("$1.2bn", "USD", Decimal("1200000000"), "USD"),
        ("12,34,567", "JPY", Decimal("1234567"), "JPY"),
        ("1,000", "jpy", Decimal("1000"), "JPY"),
        ("300000000000", "JPY", Decimal("300000000000"), "JPY"),
    ],
)
def test_amounts_are_read_as_people_write_them(
    tmp_path, yen_target, amount, unit, value, stored_unit
):
    path = write(
        tmp_path,
        "m.csv",
        HEADER + f'{yen_target.slug},2026-01-20,evidence,Tranche,"{amount}",{unit},,draft,,\n',
    )
    call_command("import_milestones", path)
    milestone = Milestone.objects.get(title="Tranche")
    assert (milestone.amount, milestone.unit) == (value, stored_unit)


def test_import_milestones_stores_5000_crore_rupees_as_50_billion_inr(tmp_path, yen_target):
    path = write(
        tmp_path,
        "m.csv",
        HEADER + f"{yen_target.slug},2026-01-20,evidence,Rupee tranche,"
        '"₹5,000 crore",,,published,https://example.org/r,R\n',
    )
    call_command("import_milestones", path)
    milestone = Milestone.objects.get(title="Rupee tranche")
    assert milestone.amount == Decimal("50000000000")
    assert milestone.unit == "INR"


@pytest.mark.parametrize(
    "amount, unit, message",
    [
        ("₹5,000 crore", "JPY", "line 2: amount '₹5,000 crore' is in INR but unit says JPY"),
        ("five crore", "JPY", "line 2: amount: Cannot read 'five crore' as an amount"),
        ("5 billion 3 million", "JPY", "Write it like '5.003 billion'"),
    ],
)
def test_an_amount_that_cannot_be_read_or_contradicts_its_unit_is_a_row_error(
    tmp_path, yen_target, capsys, amount, unit, message
):
    path = write(
        tmp_path,
        "m.csv",
        HEADER + f'{yen_target.slug},2026-01-20,evidence,Bad,"{amount}",{unit},,draft,,\n',
    )
    with pytest.raises(CommandError, match="Nothing imported: 1 bad row"):
        call_command("import_milestones", path)
    assert message in capsys.readouterr().err
    assert not Milestone.objects.filter(title="Bad").exists()


# --- Round-trip columns, read from today's files too -------------------------------------------


def test_several_sources_are_read_from_bar_separated_urls_and_titles(tmp_path, yen_target):
    path = write(
        tmp_path,
        "m.csv",
        HEADER + f"{yen_target.slug},2026-01-20,evidence,Twice sourced,1,JPY,,published,"
        "https://example.org/a | https://example.org/b,First | Second \\| with a bar\n",
    )
    call_command("import_milestones", path)
    sources = Milestone.objects.get(title="Twice sourced").sources.order_by("url")
    assert [(s.url, s.title) for s in sources] == [
        ("https://example.org/a", "First"),
        ("https://example.org/b", "Second | with a bar"),
    ]


def test_a_source_without_url_is_found_by_its_exact_title(tmp_path, summit):
    cited = Source.objects.filter(url="").order_by("id").first()
    path = write(
        tmp_path,
        "m.csv",
        HEADER + f"{JBIC_LOAN},2026-01-10,evidence,From an article,,,agreed,published,,"
        f'"{cited.title}"\n',
    )
    before = Source.objects.count()
    call_command("import_milestones", path)
    assert list(Milestone.objects.get(title="From an article").sources.all()) == [cited]
    assert Source.objects.count() == before


@pytest.mark.parametrize(
    "urls, titles, message",
    [
        ("https://example.org/a | https://example.org/b", "Only one", "line 2: source_url names 2"),
        ("", "No such article", "line 2: no source without a url is titled 'No such article'"),
        ("not a url", "X", "line 2: source_url: Enter a valid URL."),
    ],
)
def test_sources_that_cannot_be_read_are_row_errors(
    tmp_path, summit, capsys, urls, titles, message
):
    path = write(
        tmp_path,
        "m.csv",
        HEADER
        + f'{JBIC_LOAN},2026-01-10,evidence,Badly sourced,,,agreed,draft,"{urls}","{titles}"\n',
    )
    with pytest.raises(CommandError):
        call_command("import_milestones", path)
    assert message in capsys.readouterr().err
    assert not Milestone.objects.filter(title="Badly sourced").exists()


def test_a_reaffirmation_names_its_meeting(tmp_path, summit):
    from tests.summit import LATER_MEETING

    path = write(
        tmp_path,
        "m.csv",
        "commitment,occurred_on,kind,title,amount,unit,stage,status,source_url,source_title,meeting\n"
        f"{JBIC_LOAN},2025-11-01,reaffirmed,Said again,,,,draft,,,{LATER_MEETING}\n",
    )
    call_command("import_milestones", path)
    assert Milestone.objects.get(title="Said again").meeting.slug == LATER_MEETING


@pytest.mark.parametrize(
    "id_cell, message",
    [("999999", "line 2: no milestone with id 999999"), ("abc", "line 2: id 'abc' is not")],
)
def test_an_unknown_id_is_a_row_error(tmp_path, summit, capsys, id_cell, message):
    path = write(
        tmp_path,
        "m.csv",
        "id," + HEADER + f"{id_cell},{JBIC_LOAN},2026-01-10,evidence,Edit,,,agreed,draft,,\n",
    )
    with pytest.raises(CommandError):
        call_command("import_milestones", path)
    assert message in capsys.readouterr().err


def test_the_same_id_twice_is_a_row_error(tmp_path, summit, capsys):
    milestone = Milestone.objects.order_by("id").first()
    row = f"{milestone.pk},{JBIC_LOAN},2026-01-10,evidence,Edit,,,agreed,draft,,,Moved\n"
    path = write(tmp_path, "m.csv", "id," + HEADER.strip() + ",change_reason\n" + row + row)
    with pytest.raises(CommandError):
        call_command("import_milestones", path)
    assert f"line 3: id {milestone.pk} is already on line 2" in capsys.readouterr().err


def test_an_import_records_the_user_and_a_reason_in_the_history(tmp_path, yen_target, editor):
    path = write(
        tmp_path,
        "m.csv",
        HEADER + f"{yen_target.slug},2026-01-20,evidence,Audited,1,JPY,,draft,,\n",
    )
    call_command("import_milestones", path, "--user", editor.username)
    record = Milestone.objects.get(title="Audited").history.earliest()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        editor,
        "Imported from CSV.",
    )


def test_an_unknown_user_is_refused_before_anything_is_read(tmp_path, db):
    with pytest.raises(CommandError, match="No user is called 'nobody'"):
        call_command("import_milestones", str(tmp_path / "none.csv"), "--user", "nobody")


def test_rates_import_reads_the_reference_flag_and_note(tmp_path, db):
    path = write(
        tmp_path,
        "r.csv",
        "date,currency,units_per_usd,is_reference,note\n"
        "2026-01-15,JPY,150,true,Approximate\n2026-01-15,INR,84,false,RBI reference rate\n",
    )
    call_command("import_rates", path)
    assert set(ExchangeRate.objects.values_list("currency", "is_reference", "note")) == {
        ("JPY", True, "Approximate"),
        ("INR", False, "RBI reference rate"),
    }


def test_rates_import_without_a_note_column_keeps_the_note_on_file(tmp_path, db):
    ExchangeRate.objects.create(
        date=date(2026, 1, 15), currency="JPY", units_per_usd=150, note="Kept"
    )
    path = write(tmp_path, "r.csv", "date,currency,units_per_usd\n2026-01-15,JPY,151\n")
    call_command("import_rates", path)
    rate = ExchangeRate.objects.get()
    assert (rate.units_per_usd, rate.is_reference, rate.note) == (Decimal("151"), False, "Kept")


def test_an_imported_article_is_not_shown_as_a_quote_until_its_sentence_is(
    tmp_path, yen_target, client
):
    path = write(
        tmp_path,
        "m.csv",
        HEADER + f"{yen_target.slug},2026-01-20,evidence,Tranche,1,JPY,,published,"
        "https://example.org/report,The report\n",
    )
    call_command("import_milestones", path)
    source = Source.objects.get(url="https://example.org/report")
    assert source.excerpt == ""
    sources_page = client.get("/sources/").content.decode()
    entry = sources_page[sources_page.index(f'id="source-{source.pk}"') :]
    entry = entry[: entry.index("</li>")]
    assert "No sentence from this article has been quoted yet." in entry
    assert "<blockquote" not in entry
