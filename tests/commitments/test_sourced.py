"""A milestone's `sourced` flag follows its links, whichever way they change.

The rules count only milestones that cite a source, and read that from the flag; if the flag
ever disagreed with the links, a milestone would count without a source or fail to count
with one. Each test changes the links one way and compares the flag with the links.
"""

from datetime import date

import pytest
from django.core.management import call_command

from tests import factories
from tests.commitments.test_workflow import commitment, draft
from tracker.commitments.models import Milestone, Source
from tracker.progress import engine
from tracker.progress.models import CommitmentProgress

pytestmark = pytest.mark.django_db


def flags_match_links():
    """Every milestone's flag against its links, the rule's own definition of 'sourced'."""
    return {m.pk: (m.sourced, m.sources.exists()) for m in Milestone.objects.all()} == {
        m.pk: (m.sources.exists(), m.sources.exists()) for m in Milestone.objects.all()
    }


def flag(milestone):
    return Milestone.objects.get(pk=milestone.pk).sourced


@pytest.fixture
def target():
    return factories.commitment(target_value=100, target_unit="USD")


def test_a_milestone_citing_a_source_is_flagged_and_one_citing_none_is_not(target):
    cited = factories.milestone(target, amount=5, unit="USD")
    bare = factories.milestone(target, amount=5, unit="USD", sources=[])
    assert flag(cited) is True
    assert flag(bare) is False
    assert flags_match_links()


def test_changes_from_the_milestone_side(target):
    m = factories.milestone(target, amount=5, unit="USD", sources=[])
    extra = factories.source()
    m.sources.add(extra)
    assert flag(m) is True
    m.sources.remove(extra)
    assert flag(m) is False
    m.sources.set([extra, factories.source()])
    assert flag(m) is True
    m.sources.clear()
    assert flag(m) is False


def test_changes_from_the_source_side(target):
    one = factories.milestone(target, amount=5, unit="USD", sources=[])
    two = factories.milestone(target, amount=5, unit="USD", sources=[])
    source = factories.source()
    source.milestones.add(one, two)
    assert (flag(one), flag(two)) == (True, True)
    source.milestones.remove(one)
    assert (flag(one), flag(two)) == (False, True)
    source.milestones.clear()
    assert (flag(one), flag(two)) == (False, False)
    assert flags_match_links()


def test_deleting_its_only_source_unflags_a_milestone_and_it_stops_counting(target):
    only = factories.source()
    kept = factories.source()
    alone = factories.milestone(target, amount=5, unit="USD", sources=[only])
    shared = factories.milestone(target, amount=7, unit="USD", sources=[only, kept])
    Source.objects.filter(pk=only.pk).get().delete()
    assert (flag(alone), flag(shared)) == (False, True)
    engine.recompute([target.pk])
    assert CommitmentProgress.objects.get(commitment=target).achieved_value == 7


def test_the_admin_forms_keep_the_flag(editor_client):
    yen_target = commitment(target_unit="JPY")
    cited = draft(editor_client, yen_target, title="Cited")
    bare = draft(editor_client, yen_target, title="Bare", sources=[])
    assert (flag(cited), flag(bare)) == (True, False)
    assert flags_match_links()


def test_fixtures_and_imports_keep_the_flag(db):
    call_command("seed_tracker", verbosity=0)
    assert Milestone.objects.filter(sourced=True).exists()
    assert flags_match_links()


def test_refresh_sourced_repairs_a_flag_set_by_hand(target):
    m = factories.milestone(target, amount=5, unit="USD", occurred_on=date(2025, 9, 2))
    Milestone.objects.filter(pk=m.pk).update(sourced=False)
    assert Milestone.objects.refresh_sourced() >= 1
    assert flag(m) is True
