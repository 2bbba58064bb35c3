"""The public-correction rule on a published milestone, saved from the shell."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests import factories
from tracker.commitments.models import Correction

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    target = factories.commitment(target_value=Decimal("10000000000000"), target_unit="JPY")
    return factories.milestone(target, amount=Decimal("500000000000"), unit="JPY")


def test_a_change_the_rounded_words_hide_still_needs_a_reason_and_shows_exact_figures(published):
    published.amount = Decimal("500000000001")
    with pytest.raises(ValidationError):
        published.save()
    published._change_reason = "Typo in the last digit"
    published.save()
    [correction] = Correction.objects.filter(milestone=published)
    assert correction.changes == [
        {"field": "amount", "old": "¥500,000,000,000", "new": "¥500,000,000,001"}
    ]


def test_saving_the_same_figures_again_is_no_correction(published):
    published.title = "A clearer title"
    published.amount = Decimal("500000000000.0000")
    published.save()
    assert not Correction.objects.exists()


def test_a_reason_explains_one_change_not_the_next(published):
    published.amount = Decimal("400000000000")
    published._change_reason = "Misread the article"
    published.save()
    published.amount = Decimal("300000000000")
    with pytest.raises(ValidationError):
        published.save()
    assert Correction.objects.count() == 1


def test_a_withdrawn_milestone_cannot_come_back(published):
    published.status, published.withdrawal_reason = "withdrawn", "Misread the article"
    published.save()
    for status in ("draft", "published"):
        published.status = status
        published._change_reason = "Bring it back"
        with pytest.raises(ValidationError) as refused:
            published.save()
        assert "stays withdrawn" in str(refused.value)


def test_moving_a_published_milestone_to_another_commitment_is_a_correction(published):
    other = factories.commitment(
        title="Another target", target_value=Decimal("10000000000000"), target_unit="JPY"
    )
    old_title = published.commitment.title
    published.commitment = other
    with pytest.raises(ValidationError):
        published.save()
    published._change_reason = "Logged against the wrong commitment"
    published.save()
    [correction] = Correction.objects.filter(milestone=published)
    assert {"field": "commitment", "old": old_title, "new": "Another target"} in correction.changes
