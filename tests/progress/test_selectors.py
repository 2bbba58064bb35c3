"""The read layer every public surface uses: what is shown as having happened, and what not."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests import factories
from tracker.commitments.models import Assessment, Commitment, ExchangeRate, Meeting, Milestone
from tracker.methodology import rules
from tracker.methodology import vocabulary as v
from tracker.ops.synthetic import generate
from tracker.progress import engine, selectors
from tracker.progress.inputs import TERMS_FIELDS, CommitmentTree, facts_by_commitment, load_rates

pytestmark = pytest.mark.django_db


@pytest.fixture
def milestones():
    """One commitment with a milestone of every kind that must or must not be shown."""
    c = factories.commitment(target_value=Decimal(1000), target_unit="USD")
    later = Meeting.objects.create(slug="later", name="A later meeting")
    today = engine.today()
    made = {
        "counted": factories.milestone(c, amount=Decimal(10), unit="USD"),
        "reaffirmed": factories.milestone(
            c, kind="reaffirmed", occurred_on=date(2025, 12, 1), meeting=later
        ),
        "draft": factories.milestone(c, amount=Decimal(10), unit="USD", status="draft"),
        "unsourced": factories.milestone(c, amount=Decimal(10), unit="USD", sources=[]),
        "future": factories.milestone(
            c, amount=Decimal(10), unit="USD", occurred_on=today + timedelta(days=1)
        ),
        "far future": factories.milestone(
            c, amount=Decimal(10), unit="USD", occurred_on=date(2099, 1, 1)
        ),
        "planned": factories.milestone(c, kind="planned", occurred_on=today + timedelta(days=30)),
        "planned unsourced": factories.milestone(
            c, kind="planned", occurred_on=today + timedelta(days=30), sources=[]
        ),
    }
    engine.recompute([c.id])
    return c, made


def test_only_published_sourced_past_evidence_and_reaffirmations_are_on_record(milestones):
    c, made = milestones
    shown = {made["counted"], made["reaffirmed"]}
    assert set(selectors.on_record_milestones()) == shown
    assert set(selectors.recently_published(10)) == shown
    # The latest *evidence*: a reaffirmation is on record but is not evidence of anything.
    assert set(selectors.latest_milestones(10)) == {made["counted"]}
    assert set(selectors.latest_milestones(10, pillar=c.pillar)) == {made["counted"]}


def test_the_commitment_page_lists_planned_events_apart(milestones):
    c, made = milestones
    detail = selectors.commitment_detail(selectors.commitment_page_queryset().get(pk=c.pk))
    assert {view.milestone for view in detail.milestones} == {made["counted"], made["reaffirmed"]}
    assert detail.upcoming == [made["planned"]]
    assert detail.progress.achieved_value == Decimal(10)


def test_a_parents_page_lists_its_children_and_their_counted_evidence():
    parent = factories.commitment(target_value=Decimal(1000), target_unit="persons")
    child = factories.commitment(target_value=Decimal(100), target_unit="persons", parent=parent)
    counted = factories.milestone(child, amount=Decimal(30), unit="persons")
    factories.milestone(child, amount=Decimal(30), unit="persons", sources=[])
    engine.recompute()
    detail = selectors.commitment_detail(selectors.commitment_page_queryset().get(pk=parent.pk))
    assert detail.children == [child]
    assert detail.inherited == [counted]
    assert detail.progress.achieved_value == Decimal(30)


def test_the_commitment_page_lists_every_assessment_newest_first():
    c = factories.commitment()
    old = Assessment.objects.create(
        commitment=c, status="on_track", reason="Signed.", assessed_on=date(2025, 9, 1)
    )
    new = Assessment.objects.create(
        commitment=c, status="stalled", reason="Nothing since.", assessed_on=date(2026, 9, 1)
    )
    engine.recompute([c.id])
    detail = selectors.commitment_detail(selectors.commitment_page_queryset().get(pk=c.pk))
    assert detail.assessments == [new, old]
    assert detail.assessment == new


def sub_targets_in_every_kind_of_unit():
    """A yen target whose sub-targets' evidence comes in units that convert, that have no
    rate, that do not add up, and without an amount."""
    ExchangeRate.objects.create(currency="JPY", date=date(2025, 1, 1), units_per_usd=150)
    ExchangeRate.objects.create(currency="INR", date=date(2025, 1, 1), units_per_usd=80)
    parent = factories.commitment(target_value=Decimal(10**9), target_unit="JPY")
    for unit in ("INR", "USD", "JPY", "EUR", "persons"):
        child = factories.commitment(target_value=Decimal(10**6), target_unit=unit, parent=parent)
        factories.milestone(child, amount=Decimal(1000), unit=unit)
    factories.milestone(child, amount=None, unit="")
    factories.milestone(parent, amount=Decimal(7), unit="EUR")  # its own, with no rate


@pytest.mark.parametrize("data", ["synthetic", "every unit"])
def test_a_page_converts_and_counts_what_the_rules_evaluation_does(data):
    """The page converts only the milestones it lists and counts its sub-targets' evidence
    in SQL; both must agree with the rules evaluating every counted milestone."""
    if data == "synthetic":
        generate(commitments=40, milestones=1_500, subscribers=0, seed=5)
    else:
        sub_targets_in_every_kind_of_unit()
    as_of, rates, tree = engine.today(), load_rates(), CommitmentTree()
    facts = facts_by_commitment(Milestone.objects.counted(as_of))
    quantitative = Commitment.objects.filter(kind=v.QUANTITATIVE)
    assert any(tree.descendants(c.pk) for c in quantitative)  # the data has sub-targets
    converted_seen = 0
    for c in quantitative:
        terms = rules.Terms(**{name: getattr(c, name) for name in TERMS_FIELDS})
        evaluation = rules.evaluate(terms, tree.facts_for(c.pk, facts), rates, as_of)
        from_family = {m.id for child in tree.descendants(c.pk) for m in facts.get(child, ())}
        detail = selectors.commitment_detail(selectors.commitment_page_queryset().get(pk=c.pk))
        assert detail.inherited_count == len(from_family & evaluation.conversions.keys())
        assert {m.pk for m in detail.inherited} <= evaluation.conversions.keys()
        for entry in detail.milestones:
            assert entry.conversion == evaluation.conversions.get(entry.milestone.pk)
            converted_seen += entry.conversion is not None
    assert converted_seen
