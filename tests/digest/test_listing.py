"""How much of a busy week a digest lists: shares per pillar and description summaries."""

import pytest

from tracker.digest import listing


@pytest.mark.parametrize(
    "counts, listed",
    [
        ({1: 3}, {1: 3}),  # a quiet week lists everything
        ({1: 40}, {1: 10}),  # one pillar: at most ten
        ({1: 40, 2: 40}, {1: 8, 2: 7}),  # fifteen in all, the odd one first
        ({1: 40, 2: 40, 3: 40}, {1: 5, 2: 5, 3: 5}),
        ({1: 40, 2: 1, 3: 40}, {1: 7, 2: 1, 3: 7}),  # a pillar with fewer leaves the rest
        ({1: 40, 2: 2}, {1: 10, 2: 2}),
        ({n: 40 for n in range(9)}, {n: 2 if n < 6 else 1 for n in range(9)}),
        ({n: 1 for n in range(25)}, {n: 1 for n in range(25)}),  # never none
    ],
)
def test_each_pillar_lists_its_share_of_fifteen_and_at_most_ten(counts, listed):
    assert listing.shares(counts) == listed


@pytest.mark.parametrize(
    "description, shown",
    [
        ("Signed in **Tokyo**.", "Signed in **Tokyo**."),
        ("First paragraph.\n\nSecond paragraph.", "First paragraph. …"),
        ("word " * 100, ("word " * 60).strip() + " …"),  # cut at a space, 300 at most
        ("a" * 400, "a" * 300 + " …"),  # no space to cut at
        ("x" * 280 + " see [the report](https://example.org/a/long/path) now",
         "x" * 280 + " see …"),  # never inside a link
        ("  \n", ""),
    ],
)  # fmt: skip
def test_a_description_shows_its_first_paragraph_up_to_300_characters(description, shown):
    assert listing.summary(description) == shown
    assert len(listing.summary(description)) <= listing.SUMMARY_CHARS + 2
