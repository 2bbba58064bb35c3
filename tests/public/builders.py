"""Data the seed fixtures lack, for tests that need every block of a page."""

from datetime import date, timedelta

from tests import factories
from tracker.commitments.models import Assessment, Meeting
from tracker.progress import engine


def assess_and_plan(commitment):
    """Give a commitment every optional block of its page."""
    Assessment.objects.create(
        commitment=commitment, status="stalled", reason="Quiet.", assessed_on=date(2025, 9, 1)
    )
    factories.milestone(commitment, occurred_on=date(2025, 10, 1), stage="under_way")
    factories.milestone(
        commitment, kind="reaffirmed", occurred_on=date(2025, 11, 1),
        meeting=Meeting.objects.get(slug="modi-takaichi-meeting"),
    )  # fmt: skip
    factories.milestone(commitment, kind="planned", occurred_on=engine.today() + timedelta(days=30))
    engine.recompute([commitment.pk])
