"""Data the seed fixtures lack, for tests that need every block of a page."""

from datetime import date, timedelta

from django.core.cache import cache

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


def correct_and_withdraw(commitment):
    """Give a quantitative commitment a corrected milestone and a withdrawn one, as a
    reviewer would: both published first, then changed with a public reason."""
    unit = commitment.target_unit
    corrected = factories.milestone(
        commitment, occurred_on=date(2025, 10, 1), amount=500, unit=unit, title="Loan signed"
    )
    withdrawn = factories.milestone(
        commitment, occurred_on=date(2025, 11, 1), amount=700, unit=unit, title="Plant opened"
    )
    corrected.amount = 450
    corrected._change_reason = "The ministry’s release gave the total before fees."
    corrected.save()
    withdrawn.status = "withdrawn"
    withdrawn.withdrawal_reason = "The article described a plan, not an opening."
    withdrawn.save()
    engine.recompute([commitment.pk])
    return corrected, withdrawn


def html_of(client, path):
    """A page as text, freshly rendered: tests change data without a recompute now and then,
    so the page cache is dropped first."""
    cache.clear()
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def section(html, heading_id):
    """The part of a page from the heading with this id to the end of its section."""
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]
