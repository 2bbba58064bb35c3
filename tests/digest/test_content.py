"""The rules of what goes into a digest, over plain values."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tracker.digest import content
from tracker.methodology import rules
from tracker.methodology.units import RateTable
from tracker.methodology.vocabulary import (
    AGREED,
    AT_RISK,
    DELIVERABLE,
    DRAFT,
    IN_PROGRESS,
    NO_EVIDENCE,
    ON_TRACK,
    PLANNED,
    QUANTITATIVE,
    REAFFIRMED,
    STALLED,
    UNDER_WAY,
)
from tracker.progress.inputs import CommitmentTree

MOBILITY = content.PillarInfo(1, "Mobility", "https://t.example/pillars/mobility/", 1)
HEALTH = content.PillarInfo(2, "Health", "https://t.example/pillars/health/", 2)
PILLARS = [MOBILITY, HEALTH]
START, DEADLINE = date(2025, 8, 29), date(2030, 8, 29)
AS_OF = date(2025, 9, 14)  # the window of 8 to 14 September 2025
IN_WINDOW = date(2025, 9, 10)
RATES = RateTable()
LIMITS = rules.Thresholds()


def commitment(cid, pillar, kind=QUANTITATIVE, target=Decimal(1000), unit="persons", **info):
    if kind == DELIVERABLE:
        target, unit = None, ""
    return content.CommitmentInfo(
        id=cid,
        pillar_id=pillar.id,
        title=f"Commitment {cid}",
        url=f"https://t.example/commitments/c{cid}/",
        weight=1,
        terms=rules.Terms(kind, target, unit, START, DEADLINE, "stated"),
        **info,
    )


def milestone(mid, cid, occurred_on, published_on, **fact):
    """A published, sourced piece of evidence: 100 persons unless told otherwise."""
    fields = {"amount": Decimal(100), "unit": "persons"} | fact
    return content.PublishedMilestone(
        rules.MilestoneFact(mid, occurred_on, **fields), cid, published_on, f"Milestone {mid}", ""
    )


def stage_milestone(mid, cid, occurred_on, published_on, stage=AGREED, **fact):
    """Evidence of a deliverable's stage."""
    return milestone(mid, cid, occurred_on, published_on, amount=None, unit="", stage=stage, **fact)


def news(as_of, commitments, milestones):
    window = content.window_for(as_of)
    return content.week_news(window, PILLARS, commitments, milestones, RATES, LIMITS)


def changes_of(week):
    return [(x.commitment_id, x.before, x.after) for x in week.changes]


@pytest.mark.parametrize(
    "as_of, week_ending",
    [
        (date(2025, 9, 14), date(2025, 9, 14)),  # Sunday: the week it ends
        (date(2025, 9, 15), date(2025, 9, 14)),  # Monday: the week that ended the day before
        (date(2025, 9, 16), date(2025, 9, 14)),  # Tuesday
        (date(2025, 9, 17), date(2025, 9, 14)),  # Wednesday
        (date(2025, 9, 18), date(2025, 9, 14)),  # Thursday
        (date(2025, 9, 19), date(2025, 9, 14)),  # Friday
        (date(2025, 9, 20), date(2025, 9, 14)),  # Saturday
        (date(2025, 9, 21), date(2025, 9, 21)),  # the next Sunday: the next week
        (date(2025, 9, 13), date(2025, 9, 7)),  # the Saturday before: the week before
        (date(2026, 1, 2), date(2025, 12, 28)),  # across a new year
        (date(2024, 3, 1), date(2024, 2, 25)),  # across a leap day
    ],
)
def test_the_digest_week_is_the_latest_monday_to_sunday_ending_by_the_as_of_date(
    as_of, week_ending
):
    assert content.week_ending(as_of) == week_ending
    assert content.window_for(as_of) == content.Window(week_ending - timedelta(days=6), week_ending)
    assert content.window_for(as_of).start.weekday() == 0  # a Monday


@pytest.mark.parametrize(
    "as_of, label",
    [
        (date(2025, 9, 14), "8–14 September 2025"),
        (date(2025, 10, 5), "29 September – 5 October 2025"),
        (date(2026, 1, 4), "29 December 2025 – 4 January 2026"),
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
    week = news(AS_OF, [c], [milestone(1, 1, date(2025, 9, 1), published_on)])
    assert bool(week.milestones) is is_new


def test_a_back_dated_milestone_published_this_week_changes_status_this_week():
    c = commitment(1, MOBILITY)
    week = news(AS_OF, [c], [milestone(1, 1, date(2025, 8, 30), date(2025, 9, 10))])
    assert changes_of(week) == [(1, NO_EVIDENCE, ON_TRACK)]
    assert (week.changes[0].before_label, week.changes[0].after_label) == (
        "No evidence yet",
        "On track",
    )


def test_a_commitment_that_falls_behind_without_news_is_a_status_change():
    # 10% done on day one and nothing since: once the straight five-year path expects more
    # than 10% / 0.9, the commitment is at risk, in whichever week that day falls.
    c = commitment(1, MOBILITY)
    early = [milestone(1, 1, START, START)]
    slip = next(
        START + timedelta(days=d)
        for d in range(1, 400)
        if rules.evaluate(c.terms, [early[0].fact], RATES, START + timedelta(days=d)).status
        == AT_RISK
    )
    week = news(content.week_ending(slip + timedelta(days=6)), [c], early)  # the week of `slip`
    assert not week.milestones
    assert changes_of(week) == [(1, ON_TRACK, AT_RISK)]


def test_an_assessment_dated_in_the_window_is_the_status_readers_see():
    # On track by the rules all along; the editors judged it stalled on 10 September.
    c = commitment(1, MOBILITY, assessments=((IN_WINDOW, STALLED),))
    week = news(AS_OF, [c], [milestone(1, 1, START, START)])
    assert changes_of(week) == [(1, ON_TRACK, STALLED)]
    assert week.changes[0].after_label == "Stalled"
    later = news(AS_OF + timedelta(days=7), [c], [milestone(1, 1, START, START)])
    assert later.changes == ()  # still stalled: no change to report the week after


def test_an_unchanged_status_is_not_listed():
    c = commitment(1, MOBILITY)
    week = news(AS_OF, [c], [milestone(1, 1, START, START)])
    assert week.changes == ()


def test_pillar_progress_then_and_now_roll_up_each_side():
    workers, visas = commitment(1, MOBILITY), commitment(2, MOBILITY)
    milestones = [
        milestone(1, 1, START, START, amount=Decimal(200)),
        milestone(2, 2, date(2025, 9, 9), date(2025, 9, 9), amount=Decimal(400)),
    ]
    figure = news(AS_OF, [workers, visas], milestones).figures[MOBILITY.id]
    assert (figure.before, figure.after) == (Decimal("0.1"), Decimal("0.3"))
    assert (figure.before_label, figure.after_label, figure.change_label) == (
        "10%",
        "30%",
        "up 20 points",
    )


def test_a_deliverable_counts_in_its_pillar_by_its_stage():
    # Agreed before the window, under way in it; beside a quantitative commitment at 10%.
    loan = commitment(1, MOBILITY, DELIVERABLE)
    workers = commitment(2, MOBILITY)
    milestones = [
        stage_milestone(1, 1, START, START, stage=AGREED),
        stage_milestone(2, 1, IN_WINDOW, IN_WINDOW, stage=UNDER_WAY),
        milestone(3, 2, START, START),
    ]
    week = news(AS_OF, [loan, workers], milestones)
    figure = week.figures[MOBILITY.id]
    assert (figure.before_label, figure.after_label) == ("10%", "20%")
    assert week.changes == ()  # in progress then and now: a stage is not a status
    assert [m.figure for m in week.milestones] == ["stage: Under way"]


def test_a_deliverable_milestone_reads_its_stage_and_moves_its_status():
    loan = commitment(1, MOBILITY, DELIVERABLE)
    week = news(AS_OF, [loan], [stage_milestone(1, 1, IN_WINDOW, IN_WINDOW, stage=AGREED)])
    assert [m.figure for m in week.milestones] == ["stage: Agreed"]
    assert changes_of(week) == [(1, NO_EVIDENCE, IN_PROGRESS)]


@pytest.mark.parametrize(
    "fact, counts",
    [
        ({}, True),  # the control: the same milestone, sourced and evidence, does count
        ({"sourced": False}, False),
        ({"kind": PLANNED}, False),
        ({"status": DRAFT}, False),
    ],
    ids=["evidence", "unsourced", "planned", "draft"],
)
def test_only_sourced_published_evidence_is_new_or_moves_a_status(fact, counts):
    workers, loan = commitment(1, MOBILITY), commitment(2, MOBILITY, DELIVERABLE)
    week = news(
        AS_OF,
        [workers, loan],
        [
            milestone(1, 1, IN_WINDOW, IN_WINDOW, **fact),
            stage_milestone(2, 2, IN_WINDOW, IN_WINDOW, **fact),
        ],
    )
    assert bool(week.milestones) is counts
    assert bool(week.changes) is counts
    assert week.figures[MOBILITY.id].changed is counts


def test_a_reaffirmation_is_new_but_moves_nothing():
    loan = commitment(1, MOBILITY, DELIVERABLE)
    reaffirmed = milestone(1, 1, IN_WINDOW, IN_WINDOW, kind=REAFFIRMED, amount=None, unit="")
    week = news(AS_OF, [loan], [reaffirmed])
    assert [(m.title, m.figure) for m in week.milestones] == [("Milestone 1", "")]
    assert week.changes == ()
    assert not week.figures[MOBILITY.id].changed


def test_a_milestone_dated_after_the_window_is_not_shown_and_counts_once_its_day_comes():
    c = commitment(1, MOBILITY)
    ahead = [milestone(1, 1, date(2025, 9, 20), IN_WINDOW)]
    this_week = news(AS_OF, [c], ahead)
    assert this_week.milestones == ()
    assert this_week.changes == ()
    assert not this_week.figures[MOBILITY.id].changed
    # Published last week, so never new again; but once dated in the past it counts.
    next_week = news(AS_OF + timedelta(days=7), [c], ahead)
    assert next_week.milestones == ()
    assert changes_of(next_week) == [(1, NO_EVIDENCE, ON_TRACK)]


def test_a_sub_targets_amounts_move_its_parents_status_as_in_the_engine():
    # 20,000 skilled workers logged against the 50,000 target, within the 500,000 exchange.
    exchange = commitment(1, MOBILITY, target=Decimal(500_000), descendants=(2,))
    workers = commitment(2, MOBILITY, target=Decimal(50_000))
    logged = [milestone(1, 2, IN_WINDOW, IN_WINDOW, amount=Decimal(20_000))]
    week = news(AS_OF, [exchange, workers], logged)
    assert changes_of(week) == [(1, NO_EVIDENCE, ON_TRACK), (2, NO_EVIDENCE, ON_TRACK)]
    assert [m.commitment_title for m in week.milestones] == ["Commitment 2"]  # listed once

    now = content.standing_on(AS_OF, [exchange, workers], logged, RATES, LIMITS)
    assert now[1].achieved_value == Decimal(20_000)
    tree = CommitmentTree([(1, None), (2, 1)])
    engine = rules.evaluate(
        exchange.terms, tree.facts_for(1, {2: [logged[0].fact]}), RATES, AS_OF, LIMITS
    )
    assert (now[1].status, now[1].progress) == (engine.status, engine.progress)


@pytest.mark.parametrize(
    "unit, descendants",
    [("USD", (2,)), ("persons", ())],
    ids=["unit-does-not-add-up", "not-a-sub-target"],
)
def test_a_commitments_amounts_move_no_other_commitment(unit, descendants):
    exchange = commitment(1, MOBILITY, target=Decimal(500_000), descendants=descendants)
    other = commitment(2, MOBILITY, target=Decimal(50_000), unit=unit)
    logged = [milestone(1, 2, IN_WINDOW, IN_WINDOW, amount=Decimal(20_000), unit=unit)]
    week = news(AS_OF, [exchange, other], logged)
    assert changes_of(week) == [(2, NO_EVIDENCE, ON_TRACK)]


def test_a_sub_targets_stage_stays_with_the_sub_target():
    programme = commitment(1, MOBILITY, DELIVERABLE, descendants=(2,))
    centre = commitment(2, MOBILITY, DELIVERABLE)
    week = news(AS_OF, [programme, centre], [stage_milestone(1, 2, IN_WINDOW, IN_WINDOW)])
    assert changes_of(week) == [(2, NO_EVIDENCE, IN_PROGRESS)]


def test_a_reader_of_one_pillar_sees_only_that_pillars_news():
    a, b = commitment(1, MOBILITY), commitment(2, HEALTH)
    week = news(
        AS_OF,
        [a, b],
        [milestone(1, 1, IN_WINDOW, IN_WINDOW), milestone(2, 2, IN_WINDOW, IN_WINDOW)],
    )
    digest = content.build_digest(frozenset({HEALTH.id}), week)
    assert [m.title for m in digest.milestones] == ["Milestone 2"]
    assert [c.commitment_id for c in digest.changes] == [2]
    assert [f.pillar for f in digest.figures] == [HEALTH]
    assert not digest.follows_all


def test_no_pillars_chosen_means_every_pillar():
    digest = content.build_digest(frozenset(), news(AS_OF, [], []))
    assert digest.follows_all
    assert digest.pillars == (MOBILITY, HEALTH)


def test_a_week_with_nothing_in_the_pillars_followed_is_empty():
    a, b = commitment(1, MOBILITY), commitment(2, HEALTH)
    week = news(AS_OF, [a, b], [milestone(1, 1, IN_WINDOW, IN_WINDOW)])
    assert content.build_digest(frozenset({HEALTH.id}), week).is_empty
    assert not content.build_digest(frozenset({MOBILITY.id}), week).is_empty


@pytest.mark.parametrize(
    "milestones, changes, moved, headline",
    [(2, 1, False, "2 new milestones, 1 status change"), (1, 0, False, "1 new milestone"),
     (0, 3, False, "3 status changes"), (0, 0, True, "Pillar progress moved"),
     (0, 0, False, "No new milestones")],
)  # fmt: skip
def test_headline_counts_what_is_new(milestones, changes, moved, headline):
    figure = content.PillarFigure(MOBILITY, Decimal("0.1"), Decimal("0.2" if moved else "0.1"))
    digest = content.Digest(
        window=content.window_for(AS_OF),
        pillars=(MOBILITY,),
        follows_all=True,
        milestones=(None,) * milestones,
        changes=(None,) * changes,
        figures=(figure,),
    )
    assert digest.headline == headline
    assert digest.is_empty is (headline == "No new milestones")


@pytest.mark.parametrize(
    "fact, figure",
    [
        (rules.MilestoneFact(1, START, amount=Decimal("5e11"), unit="JPY"), "¥500 billion"),
        (rules.MilestoneFact(1, START, amount=Decimal("587152391546.16"), unit="JPY"),
         "¥587 billion"),
        (rules.MilestoneFact(1, START, stage=AGREED), "stage: Agreed"),
        (rules.MilestoneFact(1, START, stage=UNDER_WAY), "stage: Under way"),
        (rules.MilestoneFact(1, START, kind=REAFFIRMED), ""),
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


def test_a_busy_pillar_lists_ten_new_milestones_and_counts_the_rest():
    commitments = [commitment(n, MOBILITY) for n in range(1, 14)] + [commitment(20, HEALTH)]
    week = news(
        AS_OF,
        commitments,
        [milestone(c.id, c.id, IN_WINDOW, IN_WINDOW) for c in commitments],
    )
    digest = content.build_digest(frozenset(), week)
    mobility, health = digest.milestone_listings
    assert (mobility.pillar, len(mobility.shown), mobility.more) == (MOBILITY, 10, 3)
    assert [m.commitment_title for m in mobility.shown] == [m.commitment_title for m in
                                                            digest.milestones[:10]]  # fmt: skip
    assert (health.pillar, len(health.shown), health.more) == (HEALTH, 1, 0)
    assert len(digest.milestones) == 14  # the headline still counts every one
    changes = {listing.pillar: (len(listing.shown), listing.more) for listing in
               digest.change_listings}  # fmt: skip
    assert changes == {MOBILITY: (10, 3), HEALTH: (1, 0)}


def test_a_pillar_with_nothing_new_has_no_listing():
    week = news(AS_OF, [commitment(1, MOBILITY)], [milestone(1, 1, IN_WINDOW, IN_WINDOW)])
    digest = content.build_digest(frozenset(), week)
    assert [listing.pillar for listing in digest.milestone_listings] == [MOBILITY]


def test_then_and_now_agree_with_the_standing_on_each_day_week_after_week():
    exchange = commitment(1, MOBILITY, target=Decimal(500_000), descendants=(2,))
    workers = commitment(2, MOBILITY, target=Decimal(50_000))
    loan = commitment(3, HEALTH, DELIVERABLE, assessments=((date(2025, 10, 1), STALLED),))
    slow = commitment(4, HEALTH)  # 10% on day one, then falls behind its path
    everything = [exchange, workers, loan, slow]
    milestones = [
        milestone(1, 4, START, START),
        milestone(2, 2, date(2025, 9, 1), date(2025, 9, 20), amount=Decimal(20_000)),  # late
        milestone(3, 1, date(2025, 10, 12), date(2025, 9, 10), amount=Decimal(1_000)),  # ahead
        stage_milestone(4, 3, date(2025, 9, 9), date(2025, 9, 9)),
        stage_milestone(5, 3, date(2025, 9, 30), date(2025, 10, 2), stage=UNDER_WAY),
        milestone(6, 2, date(2025, 9, 16), date(2025, 9, 16), unit="USD"),  # not counted
    ]
    for weeks in range(12):
        window = content.window_for(AS_OF + timedelta(weeks=weeks))
        before, after = content.then_and_now(window, everything, milestones, RATES, LIMITS)
        args = (everything, milestones, RATES, LIMITS)
        assert before == content.standing_on(window.before, *args)
        assert after == content.standing_on(window.end, *args)
