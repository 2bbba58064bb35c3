"""The rules of what goes into a digest, over plain values."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tracker.digest import content
from tracker.progress import rules

MOBILITY = content.PillarInfo(1, "Mobility", "https://t.example/pillars/mobility/", 1)
HEALTH = content.PillarInfo(2, "Health", "https://t.example/pillars/health/", 2)
PILLARS = [MOBILITY, HEALTH]
START, DEADLINE = date(2025, 8, 29), date(2030, 8, 29)
RATES = rules.RateTable()
LIMITS = rules.Thresholds()


def commitment(cid, pillar, kind=rules.MILESTONE, target=None, unit=""):
    return content.CommitmentInfo(
        id=cid,
        pillar_id=pillar.id,
        title=f"Commitment {cid}",
        url=f"https://t.example/commitments/c{cid}/",
        weight=1,
        terms=rules.Terms(kind, target, unit, START, DEADLINE),
    )


def milestone(mid, cid, occurred_on, published_on, percent=None, amount=None, unit=""):
    fact = rules.MilestoneFact(mid, occurred_on, rules.PUBLISHED, amount, unit, percent)
    return content.PublishedMilestone(fact, cid, published_on, f"Milestone {mid}", "")


def news(as_of, commitments, milestones):
    window = content.window_for(as_of)
    return content.week_news(window, PILLARS, commitments, milestones, RATES, LIMITS)


@pytest.mark.parametrize(
    "as_of, start",
    [
        (date(2025, 9, 14), date(2025, 9, 8)),
        (date(2025, 9, 3), date(2025, 8, 28)),
        (date(2026, 1, 2), date(2025, 12, 27)),
    ],
)
def test_window_is_the_seven_days_ending_on_the_as_of_date(as_of, start):
    assert content.window_for(as_of) == content.Window(start, as_of)


@pytest.mark.parametrize(
    "as_of, label",
    [
        (date(2025, 9, 14), "8–14 September 2025"),
        (date(2025, 9, 3), "28 August – 3 September 2025"),
        (date(2026, 1, 2), "27 December 2025 – 2 January 2026"),
    ],
)
def test_window_label_names_each_month_and_year_once(as_of, label):
    assert content.window_for(as_of).label == label


@pytest.mark.parametrize(
    "before, after, label",
    [
        ("0.1", "0.1", "no change"),
        ("0.1", "0.125", "up 2.5 points"),
        ("0.2", "0.19", "down 1 point"),
        ("0", "0.1", "up 10 points"),
    ],
)
def test_change_in_points(before, after, label):
    assert content.change_in_points(Decimal(before), Decimal(after)) == label


@pytest.mark.parametrize(
    "published_on, is_new",
    [
        (date(2025, 9, 7), False),
        (date(2025, 9, 8), True),
        (date(2025, 9, 14), True),
        (date(2025, 9, 15), False),
    ],
)
def test_a_milestone_is_new_when_published_in_the_window(published_on, is_new):
    c = commitment(1, MOBILITY)
    week = news(date(2025, 9, 14), [c], [milestone(1, 1, date(2025, 9, 1), published_on, 10)])
    assert bool(week.milestones) is is_new


def test_a_back_dated_milestone_published_this_week_changes_status_this_week():
    c = commitment(1, MOBILITY)
    week = news(date(2025, 9, 14), [c], [milestone(1, 1, date(2025, 8, 30), date(2025, 9, 10), 10)])
    assert [(x.before, x.after) for x in week.changes] == [(rules.NOT_STARTED, rules.ON_TRACK)]


def test_a_commitment_that_falls_behind_without_news_is_a_status_change():
    # 10% done on day one and nothing since: once the straight five-year path expects more
    # than 10% / 0.9, the commitment is at risk, in whichever week that day falls.
    c = commitment(1, MOBILITY)
    early = [milestone(1, 1, START, START, 10)]
    slip = next(
        START + timedelta(days=d)
        for d in range(1, 400)
        if rules.evaluate(c.terms, [early[0].fact], RATES, START + timedelta(days=d)).status
        == rules.AT_RISK
    )
    week = news(slip + timedelta(days=3), [c], early)
    assert not week.milestones
    assert [(x.before, x.after) for x in week.changes] == [(rules.ON_TRACK, rules.AT_RISK)]


def test_an_unchanged_status_is_not_listed():
    c = commitment(1, MOBILITY)
    week = news(date(2025, 9, 14), [c], [milestone(1, 1, START, START, 10)])
    assert week.changes == ()


def test_pillar_progress_then_and_now_roll_up_each_side():
    workers = commitment(1, MOBILITY, rules.QUANTITATIVE, Decimal(1000), "persons")
    visas = commitment(2, MOBILITY, rules.QUANTITATIVE, Decimal(1000), "persons")
    milestones = [
        milestone(1, 1, START, START, amount=Decimal(200), unit="persons"),
        milestone(2, 2, date(2025, 9, 9), date(2025, 9, 9), amount=Decimal(400), unit="persons"),
    ]
    figure = news(date(2025, 9, 14), [workers, visas], milestones).figures[MOBILITY.id]
    assert (figure.before, figure.after) == (Decimal("0.1"), Decimal("0.3"))
    assert (figure.before_label, figure.after_label, figure.change_label) == (
        "10%",
        "30%",
        "up 20 points",
    )


def test_a_reader_of_one_pillar_sees_only_that_pillars_news():
    a, b = commitment(1, MOBILITY), commitment(2, HEALTH)
    in_window = date(2025, 9, 10)
    week = news(
        date(2025, 9, 14),
        [a, b],
        [milestone(1, 1, in_window, in_window, 10), milestone(2, 2, in_window, in_window, 10)],
    )
    digest = content.build_digest(frozenset({HEALTH.id}), week)
    assert [m.title for m in digest.milestones] == ["Milestone 2"]
    assert [c.commitment_id for c in digest.changes] == [2]
    assert [f.pillar for f in digest.figures] == [HEALTH]


def test_no_pillars_chosen_means_every_pillar():
    digest = content.build_digest(frozenset(), news(date(2025, 9, 14), [], []))
    assert digest.follows_all
    assert digest.pillars == (MOBILITY, HEALTH)


def test_a_week_with_nothing_in_the_pillars_followed_is_empty():
    a, b = commitment(1, MOBILITY), commitment(2, HEALTH)
    in_window = date(2025, 9, 10)
    week = news(date(2025, 9, 14), [a, b], [milestone(1, 1, in_window, in_window, 10)])
    assert content.build_digest(frozenset({HEALTH.id}), week).is_empty
    assert not content.build_digest(frozenset({MOBILITY.id}), week).is_empty


@pytest.mark.parametrize(
    "milestones, changes, headline",
    [(2, 1, "2 new milestones, 1 status change"), (1, 0, "1 new milestone"),
     (0, 3, "3 status changes"), (0, 0, "No new milestones")],
)  # fmt: skip
def test_headline_counts_what_is_new(milestones, changes, headline):
    digest = content.Digest(
        window=content.window_for(date(2025, 9, 14)),
        pillars=(),
        follows_all=True,
        milestones=(None,) * milestones,
        changes=(None,) * changes,
        figures=(),
    )
    assert digest.headline == headline


@pytest.mark.parametrize(
    "fact, figure",
    [
        (rules.MilestoneFact(1, START, rules.PUBLISHED, Decimal("5e11"), "JPY"), "¥500 billion"),
        (rules.MilestoneFact(1, START, rules.PUBLISHED, None, "", Decimal(10)), "10% complete"),
        (rules.MilestoneFact(1, START, rules.PUBLISHED), ""),
    ],
)  # fmt: skip
def test_milestone_figure_in_human_units(fact, figure):
    assert content.milestone_figure(fact) == figure


def test_subscribers_are_grouped_by_the_set_of_pillars_they_follow():
    groups = content.group_by_pillars(
        [(1, frozenset()), (2, frozenset({1, 2})), (3, frozenset({2, 1})), (4, frozenset())]
    )
    assert groups == {frozenset(): [1, 4], frozenset({1, 2}): [2, 3]}


def test_descriptions_are_wrapped_and_indented_for_the_text_part():
    text = content.indented_text("A " * 50 + "\n\nSecond paragraph.", width=40)
    lines = text.splitlines()
    assert all(len(line) <= 40 for line in lines)
    assert all(line.startswith("  ") or line == "" for line in lines)
    assert lines[-1] == "  Second paragraph."
