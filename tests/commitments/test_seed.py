"""The summit fixtures once loaded into the database, and the standing they give as of today.

test_fixtures.py checks the JSON files row by row without a database; these tests check
what `make run` leaves behind: the seed command, the rows as stored, and the acceptance
criteria of issue 13 on the computed rollups.
"""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.summit import JBIC_LOAN, LATER_MEETING
from tracker.commitments.models import (
    Agreement,
    Commitment,
    ExchangeRate,
    Meeting,
    Milestone,
    Pillar,
    Sector,
    Source,
)
from tracker.progress import engine
from tracker.progress.models import CommitmentProgress

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SUMMIT = date(2025, 8, 29)
MODELS = {
    "sources": Source,
    "meetings": Meeting,
    "pillars": Pillar,
    "sectors": Sector,
    "agreements": Agreement,
    "commitments": Commitment,
    "milestones": Milestone,
}
# A status that judges a commitment as behind: only a stated deadline or an editor may say so.
JUDGMENTS = {"at_risk", "off_track", "overdue"}


def counts():
    return {name: model.objects.count() for name, model in MODELS.items()}


def fixture_rows(name):
    return len(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")))


# --- The seed command -----------------------------------------------------------------------


def test_seed_loads_every_fixture_row(db, capsys):
    call_command("seed_tracker")
    assert "Loaded the 2025 summit fixtures." in capsys.readouterr().out
    assert counts() == {name: fixture_rows(name) for name in MODELS}
    assert not ExchangeRate.objects.exists()  # no article gives a rate


def test_seeding_twice_adds_nothing(summit, capsys):
    capsys.readouterr()
    before = counts()
    call_command("seed_tracker")
    assert "Already seeded" in capsys.readouterr().out
    assert counts() == before


def test_seeding_leaves_editors_data_alone(summit):
    loan = Commitment.objects.get(slug=JBIC_LOAN)
    loan.title = "Edited by an editor"
    loan.save()
    call_command("seed_tracker", verbosity=0)
    loan.refresh_from_db()
    assert loan.title == "Edited by an editor"


def test_forced_reseed_overwrites_by_id_and_duplicates_nothing(summit):
    before = counts()
    loan = Commitment.objects.get(slug=JBIC_LOAN)
    loan.title = "Edited by an editor"
    loan.save()
    call_command("seed_tracker", "--force", verbosity=0)
    assert counts() == before
    loan.refresh_from_db()
    assert "¥60 billion" in loan.title


# --- The rows as stored ----------------------------------------------------------------------


def test_ten_trillion_yen_target_is_stored_exactly(summit):
    target = Commitment.objects.get(slug="japanese-private-investment-10-trillion-yen")
    assert (target.target_value, target.target_unit) == (Decimal("10000000000000"), "JPY")
    assert target.start_date == SUMMIT and target.deadline == date(2035, 8, 29)
    excerpts = " ".join(target.sources.values_list("excerpt", flat=True))
    assert "$67 billion" in excerpts and "$68 billion" in excerpts


def test_every_pillar_has_commitments_and_every_commitment_a_source(summit):
    assert Pillar.objects.count() == 9
    assert not Pillar.objects.filter(commitments__isnull=True).exists()
    assert not Commitment.objects.filter(sources__isnull=True).exists()
    assert not Commitment.objects.filter(meeting__isnull=True).exists()


def test_every_seeded_milestone_is_on_record(summit):
    published = Milestone.objects.published()
    assert published.count() == Milestone.objects.count() > 0
    assert published.sourced().count() == published.count()
    assert Milestone.objects.on_record(engine.today()).count() == published.count()


def test_the_50000_workers_are_stored_within_the_500000_exchange(summit):
    child = Commitment.objects.get(slug="skilled-indian-workers-50000")
    assert child.parent.slug == "human-resource-exchange-500000"
    assert list(child.parent.children.all()) == [child]
    assert not Commitment.objects.exclude(pk=child.pk).filter(parent__isnull=False).exists()


def test_the_later_meeting_has_no_date(summit):
    later = Meeting.objects.get(slug=LATER_MEETING)
    assert later.held_on is None and later.date_note
    assert Meeting.objects.get(slug="tokyo-summit-modi-ishiba").held_on == SUMMIT


# --- Acceptance (issue 13) on the fixtures as of today ------------------------------------


def test_every_commitment_has_a_rollup_as_of_today(summit):
    assert CommitmentProgress.objects.count() == Commitment.objects.count()
    assert set(CommitmentProgress.objects.values_list("as_of", flat=True)) == {engine.today()}


def test_no_commitment_is_judged_behind_without_a_stated_deadline_or_an_assessment(summit):
    judged = CommitmentProgress.objects.filter(status__in=JUDGMENTS).select_related(
        "commitment", "assessment"
    )
    for row in judged:
        c = row.commitment
        by_stated_deadline = (
            row.assessment is None
            and row.status == row.computed_status
            and c.deadline_basis == "stated"
            and c.deadline is not None
        )
        by_assessment = row.assessment is not None and row.assessment.reason.strip()
        assert by_stated_deadline or by_assessment, (c.slug, row.status)


@pytest.mark.parametrize("as_of", [date(2031, 1, 1), date(2040, 1, 1)])
def test_an_assumed_deadline_never_judges_even_once_it_has_passed(summit, as_of):
    engine.recompute(as_of=as_of)
    judged = CommitmentProgress.objects.filter(status__in=JUDGMENTS)
    assert not judged.exclude(commitment__deadline_basis="stated").exists()
    assumed = CommitmentProgress.objects.filter(
        commitment__deadline_basis="assumed", counted_milestones__gt=0
    )
    assert assumed.exists()
    assert set(assumed.values_list("status", flat=True)) == {"in_progress"}


def test_the_fixtures_read_no_evidence_or_in_progress_at_stage_agreed(summit):
    rows = CommitmentProgress.objects.select_related("commitment")
    statuses = {}
    for row in rows:
        statuses[row.status] = statuses.get(row.status, 0) + 1
        if row.status == "in_progress":
            assert row.commitment.kind == "deliverable", row.commitment.slug
            assert row.stage == "agreed", row.commitment.slug
            assert row.last_evidence_on == SUMMIT
        else:
            assert row.counted_milestones == 0 and row.last_evidence_on is None
    assert statuses == {"no_evidence": 40, "in_progress": 10}


def test_the_jbic_loan_is_not_achieved(summit):
    loan = Commitment.objects.get(slug=JBIC_LOAN)
    row = CommitmentProgress.objects.get(commitment=loan)
    assert loan.kind == "deliverable" and loan.target_value is None
    assert row.status != "achieved" and row.computed_status != "achieved"
    assert row.stage == "agreed" and row.achieved_value is None
    assert row.progress < 1


def test_no_commitment_only_the_later_meeting_made_has_evidence_from_the_summit(summit):
    later = Commitment.objects.filter(meeting__slug=LATER_MEETING)
    assert later.count() >= 5
    for c in later:
        assert c.start_date is None and c.deadline is None, c.slug
        assert not c.milestones.filter(occurred_on=SUMMIT).exists(), c.slug
        row = CommitmentProgress.objects.get(commitment=c)
        assert row.last_evidence_on != SUMMIT, c.slug
        assert row.status == "no_evidence", c.slug
