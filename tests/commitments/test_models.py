from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests import factories
from tracker.commitments.models import ExchangeRate, Milestone, Pillar

pytestmark = pytest.mark.django_db


def violates(build):
    with pytest.raises(IntegrityError), transaction.atomic():
        build()


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


def test_milestone_amount_cannot_be_negative():
    c = factories.commitment()
    violates(lambda: factories.milestone(c, amount=Decimal("-1"), unit="USD"))


@pytest.mark.parametrize("percent", [Decimal("-0.01"), Decimal("100.01")])
def test_percent_complete_stays_within_0_and_100(percent):
    c = factories.commitment(kind="milestone", target_value=None, target_unit="")
    violates(lambda: factories.milestone(c, percent_complete=percent))


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


def test_units_are_normalized_on_save():
    c = factories.commitment(target_unit="JPY")
    m = factories.milestone(c, amount=Decimal("5"), unit=" jpy ")
    assert m.unit == "JPY"
    c2 = factories.commitment(target_unit="persons")
    assert factories.milestone(c2, amount=Decimal("5"), unit="Persons").unit == "persons"


def test_publishing_stamps_published_at_and_drafting_clears_it():
    c = factories.commitment()
    m = factories.milestone(c, amount=Decimal("1"), unit="USD", status="draft")
    assert m.published_at is None
    m.status = Milestone.Status.PUBLISHED
    m.save()
    assert m.published_at is not None
    m.status = Milestone.Status.DRAFT
    m.save()
    assert m.published_at is None


def test_milestone_on_quantitative_commitment_needs_amount_and_fitting_unit():
    c = factories.commitment(target_unit="persons", target_value=Decimal("500000"))
    m = Milestone(commitment=c, occurred_on=date(2026, 1, 1), title="x", unit="JPY", amount=1)
    with pytest.raises(ValidationError) as error:
        m.full_clean()
    assert "persons" in str(error.value.message_dict["unit"])
    m = Milestone(commitment=c, occurred_on=date(2026, 1, 1), title="x", percent_complete=5)
    with pytest.raises(ValidationError) as error:
        m.full_clean()
    assert {"amount", "percent_complete"} <= set(error.value.message_dict)


def test_milestone_on_milestone_commitment_needs_percent_not_amount():
    c = factories.commitment(kind="milestone", target_value=None, target_unit="")
    m = Milestone(commitment=c, occurred_on=date(2026, 1, 1), title="x", amount=3, unit="USD")
    with pytest.raises(ValidationError) as error:
        m.full_clean()
    assert {"amount", "percent_complete"} <= set(error.value.message_dict)


def test_readable_str():
    c = factories.commitment(title="¥10 trillion of investment")
    m = factories.milestone(
        c, occurred_on=date(2025, 8, 29), title="Target set", amount=0, unit="JPY"
    )
    ExchangeRate.objects.create(date=date(2025, 8, 29), currency="JPY", units_per_usd=147)
    rate = ExchangeRate.objects.get()
    assert str(c) == "¥10 trillion of investment"
    assert str(m) == "29 Aug 2025 — Target set"
    assert str(rate) == "JPY 147.000000 per USD on 29 Aug 2025"
