"""The seed fixtures: every commitment sourced, dated and figured as the articles give it."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from tracker.commitments.models import (
    Agreement,
    Commitment,
    ExchangeRate,
    Milestone,
    Pillar,
    Source,
)

pytestmark = pytest.mark.django_db

SEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "seeds"
SUMMIT = date(2025, 8, 29)
JOINT_VISION_PILLARS = [
    "Next Generation Economic Partnership",
    "Economic Security",
    "Mobility",
    "Ecological Legacy",
    "Technology & Innovation",
    "Health",
    "People-to-People Exchanges",
    "State–Prefecture Engagement",
]


def collapse(text):
    return re.sub(r"\s+", " ", text).strip()


def test_nine_groups_the_eight_pillars_and_security(summit):
    vision = list(Pillar.objects.filter(in_joint_vision=True).values_list("name", flat=True))
    assert vision == JOINT_VISION_PILLARS
    assert Pillar.objects.filter(in_joint_vision=False).get().name == "Security Cooperation"


def test_every_pillar_has_commitments(summit):
    assert not Pillar.objects.filter(commitments__isnull=True).exists()


def test_at_least_25_commitments_each_with_a_source(summit):
    assert Commitment.objects.count() >= 25
    assert not Commitment.objects.filter(sources__isnull=True).exists()


def test_every_source_quotes_a_seed_article_verbatim(summit):
    articles = [collapse(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")]
    assert len(articles) == 5
    for source in Source.objects.all():
        assert any(collapse(source.excerpt) in text for text in articles), source.excerpt


def test_dates_and_figures_are_sane(summit):
    for c in Commitment.objects.all():
        assert c.start_date >= date(2025, 1, 1), c
        assert c.deadline > c.start_date, c
        if c.kind == "quantitative":
            assert c.target_value > 0 and c.target_unit, c
        else:
            assert c.target_value is None, c


def test_ten_trillion_yen_target_is_stored_exactly():
    call_command("seed_tracker", verbosity=0)
    target = Commitment.objects.get(target_unit="JPY", target_value=Decimal("10000000000000"))
    assert target.deadline == date(2035, 8, 29)
    assert target.start_date == SUMMIT
    excerpts = " ".join(target.sources.values_list("excerpt", flat=True))
    # The articles disagree on the dollar figure; both are kept with the exact yen target.
    assert "$67 billion" in excerpts and "$68 billion" in excerpts


@pytest.mark.parametrize("people", [500000, 50000])
def test_people_targets_are_due_in_2030(summit, people):
    target = Commitment.objects.get(target_unit="persons", target_value=Decimal(people))
    assert target.deadline.year == 2030


def test_chandrayaan_5_is_tracked(summit):
    assert Commitment.objects.filter(title__icontains="Chandrayaan-5").exists()
    assert Agreement.objects.filter(title__icontains="Chandrayaan-5").exists()


def test_milestones_record_what_was_signed_at_the_summit(summit):
    published = Milestone.objects.published()
    assert published.exists()
    assert not Milestone.objects.filter(sources__isnull=True).exists()
    assert not published.filter(occurred_on__gt=date(2026, 11, 23)).exists()


def test_rates_cover_2025_and_2026_for_yen_and_rupee(summit):
    for currency in ("JPY", "INR"):
        years = {
            d.year for d in ExchangeRate.objects.filter(currency=currency).dates("date", "day")
        }
        assert {2025, 2026} <= years, currency
    assert not ExchangeRate.objects.filter(is_reference=False).exists()


def test_seeding_twice_duplicates_nothing(summit):
    before = (Commitment.objects.count(), Milestone.objects.count(), Source.objects.count())
    call_command("seed_tracker", verbosity=0)
    assert (Commitment.objects.count(), Milestone.objects.count(), Source.objects.count()) == before
