"""The engine against the real database: stored rollups follow the rules."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Q

from tests import factories
from tests.summit import EXCHANGE, JBIC_LOAN, WORKERS, YEN
from tracker.commitments.models import Assessment, Commitment, ExchangeRate, Milestone, Pillar
from tracker.methodology.vocabulary import STAGE_FRACTIONS, STAGES, STATUS_RANK
from tracker.progress import engine
from tracker.progress.models import (
    CommitmentProgress,
    CommitmentProgressHistory,
    OverallProgress,
    PillarProgress,
)

pytestmark = pytest.mark.django_db
AS_OF = date(2027, 2, 15)


def row(commitment):
    return CommitmentProgress.objects.get(commitment=commitment)


def clamp_share(start, deadline, as_of):
    share = Decimal((as_of - start).days) / Decimal((deadline - start).days)
    return min(max(share, Decimal(0)), Decimal(1))


def by_slug(slug):
    return Commitment.objects.get(slug=slug)


def deliverable(**fields):
    return factories.commitment(kind="deliverable", target_value=None, target_unit="", **fields)


# --- Every commitment, checked against the rules written out here ---------------------------


def expected_standing(c, as_of):
    """The methodology page's rules, restated independently of tracker.methodology."""
    # Published, citing a source, dated by as_of, and evidence (not reaffirmed or planned);
    # a quantitative commitment also counts its sub-targets' amounts (one level in the data).
    counted = Milestone.objects.counted(as_of).filter(
        Q(commitment=c) | Q(commitment__parent=c) if c.kind == "quantitative" else Q(commitment=c)
    )
    if c.kind == "quantitative":
        assert {m.unit for m in counted} <= {c.target_unit}  # no conversion needed here
        achieved = sum((m.amount for m in counted), Decimal(0))
        progress, stage = achieved / c.target_value, ""
        expected = (
            clamp_share(c.start_date, c.deadline, as_of) if c.start_date and c.deadline else None
        )
    else:
        achieved, expected = None, None
        stage = max((m.stage for m in counted), key=STAGES.index, default="announced")
        progress = STAGE_FRACTIONS[stage]
    if not counted:
        status = "no_evidence"
    elif progress >= 1:
        status = "achieved"
    elif c.deadline_basis == "stated" and c.deadline and as_of > c.deadline:
        status = "overdue"
    elif c.kind == "quantitative" and c.deadline_basis == "stated" and c.start_date:
        if progress >= Decimal("0.9") * expected:
            status = "on_track"
        elif progress >= Decimal("0.5") * expected:
            status = "at_risk"
        else:
            status = "off_track"
    else:
        status = "in_progress"
    last = max((m.occurred_on for m in counted), default=None)
    return achieved, progress, stage, expected, status, len(counted), last


def test_recompute_as_of_follows_the_rules_for_every_commitment(summit):
    factories.milestone(
        by_slug(YEN), occurred_on=date(2026, 1, 10), amount=Decimal("3e11"), unit="JPY"
    )
    factories.milestone(by_slug(EXCHANGE), amount=Decimal(100000), unit="persons")
    factories.milestone(by_slug(WORKERS), amount=Decimal(20000), unit="persons")
    factories.milestone(
        by_slug("year-of-sti-exchanges-2025"), occurred_on=date(2025, 11, 1), stage="under_way"
    )
    factories.milestone(
        by_slug("hyderabad-ai-data-centre-investment"), amount=Decimal("1e9"), unit="INR"
    )
    factories.milestone(by_slug("cultural-preservation"), stage="complete")
    call_command("recompute_progress", "--as-of", AS_OF.isoformat())

    rows = CommitmentProgress.objects.select_related("commitment")
    assert rows.count() == Commitment.objects.count()
    for r in rows:
        achieved, progress, stage, expected, status, count, last = expected_standing(
            r.commitment, AS_OF
        )
        slug = r.commitment.slug
        assert r.as_of == AS_OF
        assert r.achieved_value == achieved, slug
        assert r.progress == round(progress, 6), slug
        assert r.stage == stage, slug
        assert r.expected_progress == (None if expected is None else round(expected, 6)), slug
        assert r.status == r.computed_status == status, slug
        assert (r.counted_milestones, r.last_evidence_on) == (count, last), slug
        assert r.assessment is None and not r.newer_evidence and not r.problems, slug

    seen = dict(rows.values_list("commitment__slug", "status"))
    assert seen[YEN] == "off_track"
    assert seen[EXCHANGE] == "at_risk"  # 100,000 of its own and the 20,000 workers
    assert seen[WORKERS] == "on_track"
    assert seen["year-of-sti-exchanges-2025"] == "overdue"  # stated: 2025
    assert seen["hyderabad-ai-data-centre-investment"] == "in_progress"  # assumed deadline
    assert seen["cultural-preservation"] == "achieved"
    assert seen[JBIC_LOAN] == "in_progress"


def weighted_mean(rows):
    total = sum(r.commitment.weight for r in rows)
    if not total:
        return Decimal(0)
    return sum(r.commitment.weight * min(r.progress, 1) for r in rows) / total


def test_pillar_and_overall_progress_are_weighted_means(summit):
    c = by_slug(JBIC_LOAN)
    c.weight = 3
    c.save()
    factories.milestone(c, occurred_on=date(2026, 1, 1), stage="under_way")
    call_command("recompute_progress", "--as-of", AS_OF.isoformat())
    assert row(c).progress == STAGE_FRACTIONS["under_way"] == Decimal("0.3")
    assert row(c).stage == "under_way"
    everything = list(CommitmentProgress.objects.select_related("commitment"))
    for pillar in Pillar.objects.all():
        mine = [r for r in everything if r.commitment.pillar_id == pillar.id]
        stored = PillarProgress.objects.get(pillar=pillar)
        assert stored.progress == round(weighted_mean(mine), 6)
        assert stored.commitment_count == len(mine)
        assert sum(stored.status_counts.values()) == len(mine)
        deliverables = [r for r in mine if r.commitment.kind == "deliverable"]
        assert sum(stored.stage_counts.values()) == len(deliverables)
        for stage in STAGES:
            assert stored.stage_counts[stage] == sum(r.stage == stage for r in deliverables)
    overall = OverallProgress.objects.get()
    assert overall.progress == round(weighted_mean(everything), 6)
    assert overall.commitment_count == len(everything)
    assert overall.stage_counts["under_way"] == 1


def test_recompute_twice_gives_the_same_rows(summit):
    def snapshot():
        return (
            list(
                CommitmentProgress.objects.order_by("commitment").values_list(
                    "commitment", "progress", "stage", "status", "computed_status"
                )
            ),
            list(CommitmentProgressHistory.objects.values_list("commitment", "as_of", "progress")),
            list(PillarProgress.objects.values_list("pillar", "progress", "status_counts")),
        )

    engine.recompute(as_of=AS_OF)
    first = snapshot()
    engine.recompute(as_of=AS_OF)
    assert snapshot() == first


def test_history_has_one_row_per_change_day_up_to_as_of():
    c = factories.commitment(target_value=Decimal(1000), target_unit="USD")
    factories.milestone(c, occurred_on=date(2025, 10, 1), amount=Decimal(100), unit="USD")
    factories.milestone(c, occurred_on=date(2026, 3, 1), amount=Decimal(200), unit="USD")
    factories.milestone(
        c, occurred_on=date(2026, 4, 1), amount=Decimal(999), unit="USD", status="draft"
    )
    factories.milestone(
        c, occurred_on=date(2026, 4, 2), amount=Decimal(999), unit="USD", sources=[]
    )
    factories.milestone(c, occurred_on=date(2026, 7, 1), amount=Decimal(999), unit="USD")
    engine.recompute([c.id], as_of=date(2026, 6, 1))
    history = list(
        CommitmentProgressHistory.objects.filter(commitment=c).values_list("as_of", "progress")
    )
    assert history == [
        (date(2025, 8, 29), Decimal(0)),
        (date(2025, 10, 1), Decimal("0.1")),
        (date(2026, 3, 1), Decimal("0.3")),
        (date(2026, 6, 1), Decimal("0.3")),
    ]


def test_a_rebuild_rewrites_only_the_chart_points_that_changed():
    c = factories.commitment(target_value=Decimal(1000), target_unit="USD")
    factories.milestone(c, occurred_on=date(2025, 10, 1), amount=Decimal(100), unit="USD")
    late = factories.milestone(c, occurred_on=date(2026, 3, 1), amount=Decimal(200), unit="USD")
    as_of = date(2026, 6, 1)
    engine.recompute([c.id], as_of=as_of)

    def points():
        rows = CommitmentProgressHistory.objects.filter(commitment=c)
        return {
            day: (pk, progress) for pk, day, progress in rows.values_list("id", "as_of", "progress")
        }

    before = points()
    engine.recompute([c.id], as_of=as_of)
    assert points() == before  # the same rows, not deleted and written again

    late.occurred_on = date(2026, 4, 1)
    late._change_reason = "The cohort arrived in April"
    late.save()
    engine.recompute([c.id], as_of=as_of)
    after = points()
    assert date(2026, 3, 1) not in after  # no longer a day progress changed
    assert after[date(2026, 4, 1)][1] == Decimal("0.3")
    assert after[date(2025, 10, 1)] == before[date(2025, 10, 1)]  # untouched


def test_a_deliverable_stands_at_its_highest_counted_stage():
    c = deliverable()
    factories.milestone(c, occurred_on=date(2025, 10, 1), stage="under_way")
    factories.milestone(c, occurred_on=date(2026, 1, 1), stage="agreed")  # reported late
    factories.milestone(c, occurred_on=date(2026, 2, 1), stage="complete", status="draft")
    engine.recompute([c.id], as_of=date(2026, 6, 1))
    r = row(c)
    assert (r.stage, r.progress, r.status) == ("under_way", Decimal("0.3"), "in_progress")
    assert r.achieved_value is None and r.expected_progress is None
    assert r.last_evidence_on == date(2026, 1, 1) and r.counted_milestones == 2
    history = CommitmentProgressHistory.objects.filter(commitment=c)
    assert list(history.values_list("as_of", "stage")) == [
        (date(2025, 8, 29), "announced"),
        (date(2025, 10, 1), "under_way"),
        (date(2026, 1, 1), "under_way"),
        (date(2026, 6, 1), "under_way"),
    ]


def test_logging_positive_amounts_never_lowers_the_status():
    c = factories.commitment(target_value=Decimal("1e13"), target_unit="JPY")
    as_of = date(2026, 11, 1)
    engine.recompute([c.id], as_of=as_of)
    statuses = [row(c).status]
    for amount in ("5e11", "1e9", "3e11", "1e11", "4e12", "6e12"):
        factories.milestone(c, occurred_on=date(2026, 10, 1), amount=Decimal(amount), unit="JPY")
        engine.recompute([c.id], as_of=as_of)
        statuses.append(row(c).status)
    ranks = [STATUS_RANK[s] for s in statuses]
    assert ranks == sorted(ranks), statuses
    assert statuses[0] == "no_evidence" and statuses[-1] == "achieved"
    assert "off_track" in statuses  # ¥500 billion of ¥10 trillion after 14 months


def test_unconvertible_milestone_is_flagged_on_the_rollup():
    c = factories.commitment(target_value=Decimal(500000), target_unit="persons")
    m = factories.milestone(c, amount=Decimal(5), unit="persons")
    bad = Milestone.objects.create(
        commitment=c,
        occurred_on=date(2025, 9, 1),
        title="x",
        amount=5,
        unit="JPY",
        status="published",
    )
    bad.sources.add(factories.source())
    engine.recompute([c.id], as_of=date(2026, 1, 1))
    r = row(c)
    assert r.achieved_value == m.amount and r.counted_milestones == 1
    assert r.problems == [
        f"Milestone {bad.id} is not counted: JPY cannot be added to a target in persons."
    ]


def test_rate_changes_move_converted_values():
    c = factories.commitment(target_value=Decimal("1000000"), target_unit="JPY")
    factories.milestone(c, occurred_on=date(2025, 9, 1), amount=Decimal(100), unit="USD")
    ExchangeRate.objects.create(date=date(2025, 1, 1), currency="JPY", units_per_usd=150)
    engine.recompute([c.id], as_of=date(2026, 1, 1))
    assert row(c).achieved_value == Decimal(15000)
    ExchangeRate.objects.create(date=date(2025, 8, 1), currency="JPY", units_per_usd=140)
    engine.recompute([c.id], as_of=date(2026, 1, 1))
    assert row(c).achieved_value == Decimal(14000)


def test_recompute_command_rejects_a_bad_date_and_unknown_slug(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("recompute_progress", "--as-of", "2026-13-01")
    with pytest.raises(CommandError, match="No commitment"):
        call_command("recompute_progress", "--commitment", "nope")


def test_daily_run_adds_todays_point_and_keeps_the_history():
    c = factories.commitment(target_value=Decimal(1000), target_unit="USD")
    factories.milestone(c, occurred_on=date(2025, 10, 1), amount=Decimal(100), unit="USD")
    engine.recompute([c.id], as_of=date(2026, 1, 1))
    before = list(
        CommitmentProgressHistory.objects.filter(commitment=c).values_list("as_of", flat=True)
    )
    engine.recompute(as_of=date(2026, 1, 2), rebuild_history=False)
    after = list(
        CommitmentProgressHistory.objects.filter(commitment=c).values_list("as_of", flat=True)
    )
    assert after == [*before, date(2026, 1, 2)]
    engine.recompute(as_of=date(2026, 1, 2), rebuild_history=False)  # a second beat that day
    assert CommitmentProgressHistory.objects.filter(commitment=c).count() == len(after)


# --- Sub-targets -------------------------------------------------------------------------


def test_the_workers_amounts_move_the_exchange_by_the_same_amount_once(summit):
    workers, exchange = by_slug(WORKERS), by_slug(EXCHANGE)
    assert workers.parent == exchange
    engine.recompute()
    before = row(exchange).achieved_value
    history_before = CommitmentProgressHistory.objects.filter(commitment=exchange).count()

    factories.milestone(
        workers, occurred_on=date(2026, 4, 1), amount=Decimal(20000), unit="persons"
    )
    engine.recompute([workers.id])  # only the child, as its trigger asks
    assert row(workers).achieved_value == Decimal(20000)
    assert row(exchange).achieved_value - before == Decimal(20000)
    assert row(exchange).counted_milestones == 1
    assert row(exchange).last_evidence_on == date(2026, 4, 1)
    assert CommitmentProgressHistory.objects.filter(
        commitment=exchange, as_of=date(2026, 4, 1), achieved_value=before + 20000
    ).exists()

    engine.recompute([workers.id])
    engine.recompute([workers.id, exchange.id])
    engine.recompute()
    assert row(exchange).achieved_value - before == Decimal(20000)
    assert row(workers).achieved_value == Decimal(20000)
    assert (
        CommitmentProgressHistory.objects.filter(commitment=exchange).count() == history_before + 1
    )

    factories.milestone(
        exchange, occurred_on=date(2026, 5, 1), amount=Decimal(1000), unit="persons"
    )
    engine.recompute([exchange.id])
    assert row(exchange).achieved_value - before == Decimal(21000)
    assert row(workers).achieved_value == Decimal(20000)  # the parent's own stay its own


def test_saving_a_childs_milestone_recomputes_its_parent(
    summit, django_capture_on_commit_callbacks
):
    workers, exchange = by_slug(WORKERS), by_slug(EXCHANGE)
    before = row(exchange).achieved_value
    with django_capture_on_commit_callbacks(execute=True):
        factories.milestone(workers, amount=Decimal(5000), unit="persons")
    assert row(exchange).achieved_value - before == Decimal(5000)


def test_only_amounts_that_add_up_count_toward_the_parent():
    parent = factories.commitment(target_value=Decimal(10000), target_unit="JPY")
    dollars = factories.commitment(target_value=Decimal(10), target_unit="USD", parent=parent)
    people = factories.commitment(target_value=Decimal(10), target_unit="persons", parent=parent)
    steps = deliverable(parent=parent)
    ExchangeRate.objects.create(date=date(2025, 1, 1), currency="JPY", units_per_usd=150)
    factories.milestone(dollars, amount=Decimal(2), unit="USD")
    factories.milestone(people, amount=Decimal(5), unit="persons")
    factories.milestone(steps, stage="complete")
    engine.recompute(as_of=date(2026, 1, 1))
    assert row(parent).achieved_value == Decimal(300)  # $2 at 150: persons and stages do not add
    assert row(parent).counted_milestones == 1 and row(parent).problems == []
    assert row(people).achieved_value == Decimal(5)
    assert row(steps).stage == "complete"


def test_grandchildren_count_toward_every_ancestor_once():
    top = factories.commitment(target_value=Decimal(1000), target_unit="persons")
    middle = factories.commitment(target_value=Decimal(100), target_unit="persons", parent=top)
    bottom = factories.commitment(target_value=Decimal(10), target_unit="persons", parent=middle)
    factories.milestone(bottom, amount=Decimal(7), unit="persons")
    engine.recompute([bottom.id], as_of=date(2026, 1, 1))
    assert [row(c).achieved_value for c in (bottom, middle, top)] == [Decimal(7)] * 3


# --- What counts nowhere -----------------------------------------------------------------


def test_an_unsourced_or_future_published_milestone_counts_nowhere(summit):
    today = engine.today()
    workers, exchange = by_slug(WORKERS), by_slug(EXCHANGE)
    pillar = PillarProgress.objects.get(pillar=workers.pillar).progress
    overall = OverallProgress.objects.get().progress
    factories.milestone(
        workers, occurred_on=date(2026, 1, 1), amount=Decimal(9000), unit="persons", sources=[]
    )
    factories.milestone(
        workers, occurred_on=today + timedelta(days=1), amount=Decimal(9000), unit="persons"
    )
    factories.milestone(
        exchange, occurred_on=date(2099, 1, 1), amount=Decimal(9000), unit="persons"
    )
    engine.recompute([workers.id, exchange.id])
    for c in (workers, exchange):
        r = row(c)
        assert r.achieved_value == 0, c.slug
        assert r.counted_milestones == 0 and r.last_evidence_on is None, c.slug
        assert r.status == "no_evidence" and r.progress == 0, c.slug
        assert r.problems == [], c.slug
        assert not CommitmentProgressHistory.objects.filter(commitment=c, as_of__gt=today).exists()
        assert set(
            CommitmentProgressHistory.objects.filter(commitment=c).values_list(
                "progress", flat=True
            )
        ) == {0}
    assert PillarProgress.objects.get(pillar=workers.pillar).progress == pillar
    assert OverallProgress.objects.get().progress == overall


def test_a_planned_or_reaffirmed_milestone_never_counts():
    from tracker.commitments.models import Meeting

    later = Meeting.objects.create(slug="later", name="Later meeting")
    c = factories.commitment()
    d = deliverable()
    for target in (c, d):
        factories.milestone(target, kind="planned", occurred_on=date(2025, 10, 1))
        factories.milestone(target, kind="planned", occurred_on=date(2030, 1, 1))
        factories.milestone(target, kind="reaffirmed", occurred_on=date(2025, 11, 1), meeting=later)
    engine.recompute(as_of=date(2031, 1, 1))
    assert row(c).achieved_value == 0 and row(d).stage == "announced"
    for target in (c, d):
        r = row(target)
        assert (r.counted_milestones, r.last_evidence_on, r.status) == (0, None, "no_evidence")
    assert Milestone.objects.upcoming().count() == 4


# --- Editors' assessments ----------------------------------------------------------------


def test_an_assessment_is_what_the_public_sees_and_newer_evidence_is_flagged():
    c = factories.commitment(target_value=Decimal(1000), target_unit="USD")
    as_of = date(2026, 6, 1)
    factories.milestone(c, occurred_on=date(2025, 10, 1), amount=Decimal(100), unit="USD")
    engine.recompute([c.id], as_of=as_of)
    computed = row(c).status
    assert computed == "on_track"

    first = Assessment.objects.create(
        commitment=c,
        status="at_risk",
        reason="The second tranche slipped.",
        assessed_on=date(2026, 1, 1),
    )
    engine.recompute([c.id], as_of=as_of)
    r = row(c)
    assert (r.status, r.computed_status, r.assessment) == ("at_risk", computed, first)
    assert not r.newer_evidence
    assert CommitmentProgressHistory.objects.filter(commitment=c).last().status == computed

    # Evidence on the day of the assessment, or evidence that does not count, is not newer.
    factories.milestone(c, occurred_on=date(2026, 1, 1), amount=Decimal(1), unit="USD")
    factories.milestone(
        c, occurred_on=date(2026, 2, 1), amount=Decimal(1), unit="USD", status="draft"
    )
    factories.milestone(c, occurred_on=date(2026, 2, 1), amount=Decimal(1), unit="USD", sources=[])
    factories.milestone(c, occurred_on=date(2026, 2, 1), kind="planned")
    factories.milestone(c, occurred_on=date(2026, 7, 1), amount=Decimal(1), unit="USD")  # future
    engine.recompute([c.id], as_of=as_of)
    assert not row(c).newer_evidence

    factories.milestone(c, occurred_on=date(2026, 3, 1), amount=Decimal(1), unit="USD")
    engine.recompute([c.id], as_of=as_of)
    r = row(c)
    assert r.newer_evidence and r.status == "at_risk" and r.computed_status == computed

    second = Assessment.objects.create(
        commitment=c, status="stalled", reason="Nothing since March.", assessed_on=date(2026, 5, 1)
    )
    engine.recompute([c.id], as_of=as_of)
    r = row(c)
    assert (r.status, r.assessment, r.newer_evidence) == ("stalled", second, False)
    assert PillarProgress.objects.get(pillar=c.pillar).status_counts["stalled"] == 1
    assert c.assessments.count() == 2  # kept, not overwritten

    Assessment.objects.filter(commitment=c).delete()
    engine.recompute([c.id], as_of=as_of)
    r = row(c)
    assert (r.status, r.assessment, r.newer_evidence) == (computed, None, False)


def test_saving_or_deleting_an_assessment_recomputes(django_capture_on_commit_callbacks):
    c = deliverable()
    with django_capture_on_commit_callbacks(execute=True):
        factories.milestone(c, occurred_on=date(2025, 10, 1))
    assert row(c).status == "in_progress"
    with django_capture_on_commit_callbacks(execute=True):
        a = Assessment.objects.create(commitment=c, status="off_track", reason="No funds released.")
    assert (row(c).status, row(c).computed_status) == ("off_track", "in_progress")
    with django_capture_on_commit_callbacks(execute=True):
        a.delete()
    assert (row(c).status, row(c).assessment) == ("in_progress", None)


# --- Quiet commitments --------------------------------------------------------------------


def test_quiet_after_evidence_quiet_days(settings):
    settings.EVIDENCE_QUIET_DAYS = 30
    with_evidence = factories.commitment()
    factories.milestone(with_evidence, occurred_on=date(2025, 9, 1), amount=Decimal(1), unit="USD")
    without = factories.commitment()  # made on 29 August 2025
    undated = deliverable(start_date=None, deadline=None, deadline_basis="none")

    engine.recompute(as_of=date(2025, 9, 28))  # 29 days after the start, 27 after evidence
    assert not row(without).quiet and not row(with_evidence).quiet
    engine.recompute(as_of=date(2025, 10, 1))  # 33 and exactly 30 days
    assert row(without).quiet and not row(with_evidence).quiet
    engine.recompute(as_of=date(2025, 10, 2))
    assert row(with_evidence).quiet
    engine.recompute(as_of=date(2030, 1, 1))
    assert not row(undated).quiet  # no start and no evidence: nothing to be quiet since

    settings.EVIDENCE_QUIET_DAYS = 365
    engine.recompute(as_of=date(2025, 10, 2))
    assert not row(with_evidence).quiet and not row(without).quiet
