from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests import factories
from tracker.commitments.models import (
    Assessment,
    Commitment,
    ExchangeRate,
    Meeting,
    Milestone,
    Pillar,
)

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 1, 1)


def violates(build):
    with pytest.raises(IntegrityError), transaction.atomic():
        build()


def field_errors(instance):
    """The messages instance.full_clean() puts on each field (empty when it is valid)."""
    try:
        instance.full_clean()
    except ValidationError as error:
        return error.message_dict
    return {}


def deliverable(**fields):
    return factories.commitment(kind="deliverable", target_value=None, target_unit="", **fields)


def meeting(**fields):
    return Meeting.objects.create(
        **{"slug": "later-meeting", "name": "A later meeting", "date_note": "Undated."} | fields
    )


# --- Database constraints -----------------------------------------------------------------


def test_pillar_slugs_are_unique():
    factories.pillar(slug="health")
    violates(lambda: Pillar.objects.create(slug="health", name="Again"))


def test_deadline_must_follow_start():
    violates(lambda: factories.commitment(start_date=date(2030, 1, 1), deadline=date(2030, 1, 1)))


def test_quantitative_commitment_needs_a_target_and_unit():
    violates(lambda: factories.commitment(target_value=None))
    violates(lambda: factories.commitment(target_unit=""))


def test_target_value_must_be_positive():
    violates(lambda: factories.commitment(target_value=Decimal("-5")))


def test_a_deliverable_has_no_target_value():
    violates(lambda: factories.commitment(kind="deliverable", target_value=Decimal(5)))
    assert deliverable().target_value is None


def test_deadline_matches_its_basis():
    violates(lambda: factories.commitment(deadline_basis="none"))  # a date with no deadline
    violates(lambda: factories.commitment(deadline_basis="stated", deadline=None))
    violates(lambda: factories.commitment(deadline_basis="assumed", deadline=None))
    c = factories.commitment(
        deadline_basis="none", deadline=None, start_date=None, deadline_words="No horizon given."
    )
    assert c.deadline is None


def test_a_commitment_is_not_its_own_parent():
    c = factories.commitment()
    violates(lambda: Commitment.objects.filter(pk=c.pk).update(parent=c))


def test_milestone_amount_cannot_be_negative():
    c = factories.commitment()
    violates(lambda: factories.milestone(c, amount=Decimal("-1"), unit="USD"))


@pytest.mark.parametrize("stage", ["announced", "finished"])
def test_a_milestone_evidences_only_a_stage_above_announced(stage):
    # Announced is the baseline a summit document sets; no milestone evidences it.
    c = deliverable()
    violates(lambda: factories.milestone(c, stage=stage))


@pytest.mark.parametrize("kind", ["reaffirmed", "planned"])
def test_only_evidence_carries_an_amount_or_a_stage(kind):
    q, d, later = factories.commitment(), deliverable(), meeting()
    violates(
        lambda: factories.milestone(q, kind=kind, amount=Decimal(1), unit="USD", meeting=later)
    )
    violates(lambda: factories.milestone(d, kind=kind, stage="agreed", meeting=later))


def test_assessment_needs_a_known_status_and_a_reason():
    c = factories.commitment()
    violates(lambda: Assessment.objects.create(commitment=c, status="achieved", reason="x"))
    violates(lambda: Assessment.objects.create(commitment=c, status="no_evidence", reason="x"))
    violates(lambda: Assessment.objects.create(commitment=c, status="at_risk", reason=""))
    for status in ("on_track", "at_risk", "off_track", "stalled"):
        Assessment.objects.create(commitment=c, status=status, reason="Because.")


def test_one_rate_per_currency_and_day():
    ExchangeRate.objects.create(date=date(2025, 8, 29), currency="JPY", units_per_usd=147)
    violates(
        lambda: ExchangeRate.objects.create(
            date=date(2025, 8, 29), currency="jpy", units_per_usd=150
        )
    )


def test_usd_needs_no_rate_row():
    violates(
        lambda: ExchangeRate.objects.create(date=date(2025, 8, 29), currency="USD", units_per_usd=1)
    )


# --- Saving -------------------------------------------------------------------------------


def test_units_are_normalized_on_save():
    c = factories.commitment(target_unit="JPY")
    m = factories.milestone(c, amount=Decimal("5"), unit=" jpy ")
    assert m.unit == "JPY"
    c2 = factories.commitment(target_unit="persons")
    assert factories.milestone(c2, amount=Decimal("5"), unit="Persons").unit == "persons"


def test_publishing_stamps_published_at_and_a_published_milestone_is_never_a_draft_again():
    c = factories.commitment()
    m = factories.milestone(c, amount=Decimal("1"), unit="USD", status="draft")
    assert m.published_at is None
    m.status = Milestone.Status.PUBLISHED
    m.save()
    assert m.published_at is not None
    m.status = Milestone.Status.DRAFT
    with pytest.raises(ValidationError) as refusal:
        m.save()
    assert "withdrawn with a reason" in str(refusal.value.message_dict["status"])
    m.refresh_from_db()
    assert m.status == "published" and m.published_at is not None


def test_new_milestones_are_evidence_and_new_commitments_assume_their_deadline():
    c = Commitment(kind="quantitative")
    assert c.deadline_basis == "assumed"
    m = Milestone(commitment=factories.commitment(), occurred_on=AS_OF, title="x")
    assert m.kind == "evidence" and m.stage == "" and m.status == "draft"


# --- Milestone.clean: the message on the field an editor must fix -------------------------


def test_evidence_towards_a_target_needs_an_amount_in_a_fitting_unit():
    c = factories.commitment(target_unit="persons", target_value=Decimal("500000"))
    m = Milestone(commitment=c, occurred_on=AS_OF, title="x", unit="JPY", amount=1)
    assert "persons" in str(field_errors(m)["unit"])
    m = Milestone(commitment=c, occurred_on=AS_OF, title="x")
    errors = field_errors(m)
    assert "amount" in errors["amount"][0] and "persons" in errors["unit"][0]
    m = Milestone(commitment=c, occurred_on=AS_OF, title="x", amount=5, unit="persons")
    assert field_errors(m) == {}


def test_a_currency_target_accepts_another_currency_but_not_a_count():
    c = factories.commitment(target_unit="JPY", target_value=Decimal("1e13"))
    m = Milestone(commitment=c, occurred_on=AS_OF, title="x", amount=1, unit="USD")
    assert field_errors(m) == {}
    m = Milestone(commitment=c, occurred_on=AS_OF, title="x", amount=1, unit="persons")
    assert "exchange rate" in str(field_errors(m)["unit"])


def test_evidence_towards_a_target_carries_no_stage():
    c = factories.commitment()
    m = Milestone(commitment=c, occurred_on=AS_OF, title="x", amount=1, unit="USD", stage="agreed")
    assert list(field_errors(m)) == ["stage"]


def test_evidence_on_a_deliverable_needs_a_stage_and_no_amount():
    c = deliverable()
    m = Milestone(commitment=c, occurred_on=AS_OF, title="x")
    assert "stage" in str(field_errors(m)["stage"])
    m = Milestone(commitment=c, occurred_on=AS_OF, title="x", stage="agreed", amount=3, unit="USD")
    assert list(field_errors(m)) == ["amount"]
    for stage in ("agreed", "under_way", "substantial", "complete"):
        m = Milestone(commitment=c, occurred_on=AS_OF, title="x", stage=stage)
        assert field_errors(m) == {}, stage
    m = Milestone(commitment=c, occurred_on=AS_OF, title="x", stage="announced")
    assert "stage" in field_errors(m)


def test_a_reaffirmation_names_its_meeting_and_moves_nothing():
    c, later = factories.commitment(), meeting()
    m = Milestone(commitment=c, occurred_on=AS_OF, title="x", kind="reaffirmed")
    assert list(field_errors(m)) == ["meeting"]
    m.meeting = later
    assert field_errors(m) == {}
    m.amount, m.unit = Decimal(5), "USD"
    assert "moves nothing" in str(field_errors(m)["amount"])
    d = Milestone(
        commitment=deliverable(),
        occurred_on=AS_OF,
        title="x",
        kind="reaffirmed",
        meeting=later,
        stage="agreed",
    )
    assert "moves nothing" in str(field_errors(d)["stage"])


def test_a_planned_event_carries_neither_amount_nor_stage():
    m = Milestone(commitment=factories.commitment(), occurred_on=AS_OF, title="x", kind="planned")
    assert field_errors(m) == {}
    m.amount, m.unit = Decimal(5), "USD"
    assert list(field_errors(m)) == ["amount"]
    d = Milestone(
        commitment=deliverable(), occurred_on=AS_OF, title="x", kind="planned", stage="complete"
    )
    assert list(field_errors(d)) == ["stage"]


# --- Commitment.clean ----------------------------------------------------------------------


def test_commitment_clean_puts_each_message_on_its_field():
    c = factories.commitment()
    c.clean()  # the factory's commitment is valid
    c.deadline_basis = "none"
    with pytest.raises(ValidationError) as error:
        c.clean()
    assert "Leave the deadline empty" in str(error.value.message_dict["deadline"])

    c.deadline_basis, c.deadline = "stated", None
    with pytest.raises(ValidationError) as error:
        c.clean()
    assert "No deadline" in str(error.value.message_dict["deadline"])

    c.deadline, c.deadline_words = date(2035, 8, 29), "  "
    with pytest.raises(ValidationError) as error:
        c.clean()
    assert list(error.value.message_dict) == ["deadline_words"]

    c.deadline_basis, c.deadline = "none", None
    c.clean()  # no deadline needs no words


def test_commitment_clean_checks_target_by_kind():
    c = factories.commitment()
    c.target_value = None
    with pytest.raises(ValidationError) as error:
        c.clean()
    assert list(error.value.message_dict) == ["target_value"]
    d = deliverable()
    d.target_value = Decimal(5)
    with pytest.raises(ValidationError) as error:
        d.clean()
    assert "deliverable" in str(error.value.message_dict["target_value"])


def test_a_parent_that_would_make_a_cycle_is_refused_on_the_field():
    a, b, c = factories.commitment(), factories.commitment(), factories.commitment()
    b.parent = a
    b.save()
    c.parent = b
    c.save()
    a.parent = c  # a → c → b → a
    with pytest.raises(ValidationError) as error:
        a.clean()
    assert list(error.value.message_dict) == ["parent"]
    a.parent = a
    with pytest.raises(ValidationError) as error:
        a.clean()
    assert list(error.value.message_dict) == ["parent"]
    other = factories.commitment()
    a.parent = other  # not a cycle
    a.clean()


# --- Assessment.clean ----------------------------------------------------------------------


def test_an_assessment_needs_a_reason_and_a_date_not_in_the_future():
    c = factories.commitment()
    a = Assessment(commitment=c, status="at_risk", reason="   ")
    with pytest.raises(ValidationError) as error:
        a.clean()
    assert list(error.value.message_dict) == ["reason"]
    a.reason = "No tranche reported in a year."
    a.assessed_on = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        a.clean()
    assert list(error.value.message_dict) == ["assessed_on"]
    a.assessed_on = timezone.localdate()
    a.full_clean()


# --- QuerySets: what is on record, what counts, what is upcoming --------------------------


def test_counted_needs_published_sourced_evidence_dated_by_as_of():
    c, later = factories.commitment(), meeting()
    counted = factories.milestone(c, amount=Decimal(1), unit="USD")
    factories.milestone(c, amount=Decimal(1), unit="USD", status="draft")
    unsourced = factories.milestone(c, amount=Decimal(1), unit="USD", sources=[])
    future = factories.milestone(c, amount=Decimal(1), unit="USD", occurred_on=date(2026, 6, 1))
    reaffirmed = factories.milestone(c, kind="reaffirmed", meeting=later)
    planned = factories.milestone(c, kind="planned", occurred_on=date(2025, 10, 1))
    assert list(Milestone.objects.counted(AS_OF)) == [counted]
    assert set(Milestone.objects.on_record(AS_OF)) == {counted, reaffirmed}
    assert set(Milestone.objects.counted(date(2026, 6, 1))) == {counted, future}
    assert list(Milestone.objects.upcoming()) == [planned]
    assert unsourced not in Milestone.objects.sourced()


def test_sourced_lists_a_milestone_with_two_sources_once():
    c = factories.commitment()
    m = factories.milestone(c, amount=Decimal(1), unit="USD")
    m.sources.add(factories.source())
    assert m.sources.count() == 2
    assert list(Milestone.objects.sourced()) == [m]
    assert Milestone.objects.counted(AS_OF).count() == 1


def test_readable_str():
    c = factories.commitment(title="¥10 trillion of investment")
    m = factories.milestone(
        c, occurred_on=date(2025, 8, 29), title="Target set", amount=0, unit="JPY"
    )
    ExchangeRate.objects.create(date=date(2025, 8, 29), currency="JPY", units_per_usd=147)
    rate = ExchangeRate.objects.get()
    a = Assessment.objects.create(
        commitment=c, status="at_risk", reason="Slow.", assessed_on=date(2026, 2, 1)
    )
    assert str(c) == "¥10 trillion of investment"
    assert str(m) == "29 Aug 2025 — Target set"
    assert str(rate) == "JPY 147.000000 per USD on 29 Aug 2025"
    assert str(a) == "¥10 trillion of investment: At risk (01 Feb 2026)"
    assert str(meeting(name="Modi–Takaichi meeting")) == "Modi–Takaichi meeting"
