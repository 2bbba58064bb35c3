"""How much of a week's news a digest lists, so that no email grows with the week.

- A digest lists at most LISTED_PER_PILLAR new milestones, and as many status changes, per
  pillar, and at most LISTED_IN_ALL of each in all, shared as evenly as the pillars' counts
  allow; the rest are counted, with a link to their pillar's page.
- A milestone's description shows its first paragraph, up to SUMMARY_CHARS characters.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from .content import PillarInfo

Item = TypeVar("Item")

LISTED_PER_PILLAR = 10
LISTED_IN_ALL = 15
SUMMARY_CHARS = 300
MARKDOWN_LINK = re.compile(r"!?\[[^\]]*\]\([^)]*\)")


@dataclass(frozen=True)
class Listing(Generic[Item]):
    """One pillar's part of a list in a digest: the items shown, and how many are left out."""

    pillar: PillarInfo
    shown: tuple[Item, ...]
    more: int = 0


def shares(counts: Mapping[int, int]) -> dict[int, int]:
    """How many items each pillar lists, from how many it has (in pillar order): at most
    LISTED_PER_PILLAR each and LISTED_IN_ALL in all, as evenly as the counts allow, a pillar
    with fewer leaving the rest to the others, and never none."""
    left, listed = LISTED_IN_ALL, {}
    fewest_first = sorted(counts, key=counts.__getitem__)  # stable: pillar order among equals
    for n, pillar_id in enumerate(fewest_first):
        even = -(-left // (len(fewest_first) - n))  # rounded up: an odd one goes to the first
        listed[pillar_id] = min(counts[pillar_id], LISTED_PER_PILLAR, max(even, 1))
        left -= listed[pillar_id]
    return {pillar_id: listed[pillar_id] for pillar_id in counts}


def listings(pillars: Sequence[PillarInfo], items: Sequence[Item]) -> tuple[Listing[Item], ...]:
    """Items with a `pillar_id` (new milestones, status changes), by pillar, each pillar
    showing its share and counting the rest."""
    by_pillar = defaultdict(list)
    for item in items:
        by_pillar[item.pillar_id].append(item)
    share = shares({p.id: len(by_pillar[p.id]) for p in pillars if p.id in by_pillar})
    return tuple(
        Listing(p, tuple(by_pillar[p.id][: share[p.id]]), len(by_pillar[p.id]) - share[p.id])
        for p in pillars
        if p.id in share
    )


def summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    """A description's first paragraph, up to `limit` characters: cut at a space, and before
    a Markdown link the cut would split (unless the paragraph opens with it), ending in '…'
    when anything is left out."""
    text = text.strip()
    shown = re.split(r"\n\s*\n", text, maxsplit=1)[0]
    if len(shown) > limit:
        cut = shown.rfind(" ", 0, limit + 1)
        cut = cut if cut > 0 else limit
        for link in MARKDOWN_LINK.finditer(shown):
            if link.start() < cut < link.end():
                cut = link.start() or cut  # a description that opens with a long link: cut it
                break
        shown = shown[:cut].rstrip()
    return text if shown == text else f"{shown} …"
