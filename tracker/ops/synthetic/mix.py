"""What the synthetic data is made of: its span of dates, the pillars, meetings and topics,
and the proportions of each kind of commitment and milestone; with the random draws that
keep those proportions. Every date is fixed here, never read from the clock.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta

from tracker.methodology import vocabulary as v

SUMMIT = date(2025, 8, 29)
# The last day dated evidence happens on (a Sunday), and the last moment anything is
# published: both before the day the data was designed on, so nothing lies in the future
# except planned events.
LAST_EVIDENCE_ON = date(2026, 11, 22)
PUBLISHED_BY = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
PLANNED_UNTIL = date(2026, 11, 30)
RATES_FROM, RATES_UNTIL = date(2025, 8, 1), date(2026, 11, 30)
# Units per US dollar on the first rate day; each then moves by a small random walk.
OPENING_RATES = {"JPY": 147.0, "INR": 87.5}
CURRENCIES = ("JPY", "INR", "USD")

PILLARS = [
    ("economic-partnership", "Next Generation Economic Partnership",
     ["private investment", "ODA loans", "industrial townships", "SME partnerships"]),
    ("economic-security", "Economic Security",
     ["semiconductor supply chains", "critical minerals", "pharmaceutical ingredients"]),
    ("mobility", "Mobility", ["high-speed rail", "urban metro lines", "skilled workers"]),
    ("ecological-legacy", "Ecological Legacy",
     ["clean hydrogen", "solar capacity", "Joint Credit Mechanism projects"]),
    ("technology-innovation", "Technology & Innovation",
     ["AI research", "lunar exploration", "start-up funding"]),
    ("health", "Health", ["hospitals", "nursing caregivers", "generic medicines"]),
    ("people-to-people", "People-to-People Exchanges",
     ["student exchanges", "Japanese-language teachers", "tourism"]),
    ("state-prefecture", "State–Prefecture Engagement",
     ["state–prefecture partnerships", "sister-city projects"]),
    ("security-cooperation", "Security Cooperation",
     ["joint exercises", "defence equipment", "maritime domain awareness"]),
]  # fmt: skip
MEETINGS = [
    ("tokyo-summit-2025", "Tokyo summit of the two Prime Ministers", SUMMIT, "Tokyo"),
    ("leaders-meeting-2025-10", "Leaders' meeting on the sidelines of a regional summit",
     date(2025, 10, 27), "Kuala Lumpur"),
    ("annual-summit-2026", "Annual summit", None, "New Delhi"),
]  # fmt: skip
# Ministers meet every six weeks; each meeting reaffirms many commitments, each once.
MEETINGS += [
    (f"ministerial-dialogue-{n + 1}", f"Ministerial dialogue no. {n + 1}",
     date(2025, 11, 20) + timedelta(weeks=6 * n), ["Tokyo", "New Delhi"][n % 2])
    for n in range(9)
]  # fmt: skip
SECTORS = ["Infrastructure", "Energy", "Digital", "Skills", "Defence", "Health care"]
PUBLISHERS = ["The Hindu", "Nikkei Asia", "Press Information Bureau", "MOFA Japan", "Reuters"]

# What a commitment promises: the unit of its target, or a deliverable, with the weights of
# the mix; at a scale smaller than the mix, the first ones come first.
TARGET_MIX = {"JPY": 20, "INR": 15, "USD": 15, "persons": 10, v.DELIVERABLE: 33}
TARGET_MIX |= {"students": 4, "megawatts": 3}
# The smallest and largest target in each unit (log-uniform between them).
TARGET_RANGES = {
    "JPY": (1e9, 1e13), "INR": (1e8, 1e12), "USD": (1e6, 1e10),
    "persons": (500, 500_000), "students": (100, 50_000), "megawatts": (50, 30_000),
}  # fmt: skip
# Milestones by kind and status; every pair appears whenever there are enough milestones.
MILESTONE_MIX = {
    (v.EVIDENCE, v.PUBLISHED): 68,
    (v.EVIDENCE, v.DRAFT): 6,
    (v.EVIDENCE, v.WITHDRAWN): 4,
    (v.REAFFIRMED, v.PUBLISHED): 8,
    (v.REAFFIRMED, v.DRAFT): 1,
    (v.REAFFIRMED, v.WITHDRAWN): 1,
    (v.PLANNED, v.PUBLISHED): 9,
    (v.PLANNED, v.DRAFT): 3,
}
# The highest stage a deliverable's evidence reaches; each milestone shows one up to it.
REACHED_STAGE_WEIGHTS = {v.AGREED: 30, v.UNDER_WAY: 35, v.SUBSTANTIAL: 25, v.COMPLETE: 10}
STAGES = list(REACHED_STAGE_WEIGHTS)
SUB_TARGET_SHARE = 0.15
HEADLINES = 12  # flagged by editors: more than the home page shows
ASSESSED_SHARE = 0.08
SUBSCRIBERS_FOLLOWING_ALL = 0.4


def deck(rng: random.Random, weights: dict, n: int) -> list:
    """n values in the proportions of `weights`, shuffled: each at least once when n allows,
    else the first n."""
    keys = list(weights)
    if n < len(keys):
        return rng.sample(keys[:n], n)
    total, rest = sum(weights.values()), n - len(keys)
    cards = keys + [key for key in keys for _ in range(math.floor(rest * weights[key] / total))]
    cards += rng.choices(keys, weights=list(weights.values()), k=n - len(cards))
    rng.shuffle(cards)
    return cards


def log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def moment_on(day: date, rng: random.Random) -> datetime:
    """A random moment of a working day."""
    return datetime.combine(day, time(6), tzinfo=UTC) + timedelta(seconds=rng.randint(0, 43200))
