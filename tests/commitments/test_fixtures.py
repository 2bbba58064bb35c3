"""The seed fixtures as plain JSON: every fact sourced, dated and figured as the articles give it.

These tests need no database. They read fixtures/*.json and the five seed articles, and check
the conventions in fixtures/README.md row by row, so a failure names the row that breaks one.
"""

import ast
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
SEEDS = FIXTURES / "seeds"
SEED_COMMAND = ROOT / "tracker" / "commitments" / "management" / "commands" / "seed_tracker.py"

SUMMIT = "2025-08-29"
ASSUMED_DEADLINE = "2035-08-29"  # the Joint Vision's decade, counted from the summit
LATER_ARTICLE = "001"  # the undated Modi–Takaichi meeting
JBIC_LOAN = 19
HYDERABAD = 28
EXCHANGE_500000 = 12
WORKERS_50000 = 13
JOINT_VISION = 1
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
KINDS = {"quantitative", "deliverable"}
DEADLINE_BASES = {"stated", "assumed", "none"}
MILESTONE_KINDS = {"evidence", "reaffirmed", "planned"}
EVIDENCED_STAGES = {"agreed", "under_way", "substantial", "complete"}
# A summit document stating a commitment is its baseline ("announced"), never a step.
BASELINE_TITLE = re.compile(
    r"joint vision|joint declaration|action plan|announced|launched|adopted", re.IGNORECASE
)


def collapse(text):
    return re.sub(r"\s+", " ", text).strip()


def load(name):
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def by_pk(rows):
    return {row["pk"]: row["fields"] for row in rows}


ARTICLES = {
    p.name[:3]: collapse(p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))
}
SOURCES = by_pk(load("sources"))
MEETINGS = by_pk(load("meetings"))
AGREEMENTS = by_pk(load("agreements"))
PILLARS = by_pk(load("pillars"))
SECTORS = by_pk(load("sectors"))
COMMITMENTS = by_pk(load("commitments"))
MILESTONES = by_pk(load("milestones"))


def articles_of(source_pks):
    """The seed articles (000–004) that the given sources quote."""
    found = set()
    for pk in source_pks:
        excerpt = collapse(SOURCES[pk]["excerpt"])
        found |= {name for name, text in ARTICLES.items() if excerpt in text}
    return found


def only_later_article(source_pks):
    return articles_of(source_pks) == {LATER_ARTICLE}


def milestones_of(commitment_pk):
    return [m for m in MILESTONES.values() if m["commitment"] == commitment_pk]


def unquote(words):
    assert words.startswith("“") and words.endswith("”"), words
    return words[1:-1]


# --- The articles and the sources that quote them -------------------------------------


def test_there_are_five_seed_articles():
    assert sorted(ARTICLES) == ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("pk", sorted(SOURCES))
def test_every_source_quotes_a_seed_article_verbatim(pk):
    excerpt = collapse(SOURCES[pk]["excerpt"])
    assert excerpt
    assert any(excerpt in text for text in ARTICLES.values()), excerpt


# --- Loading ------------------------------------------------------------------------------


def seed_fixture_names():
    tree = ast.parse(SEED_COMMAND.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "SEED_FIXTURES" for t in node.targets
        ):
            comp = node.value
            return [elt.value for elt in comp.generators[0].iter.elts]
    raise AssertionError("SEED_FIXTURES not found")


def test_seed_command_loads_every_fixture_in_dependency_order():
    names = seed_fixture_names()
    on_disk = sorted(p.stem for p in FIXTURES.glob("*.json"))
    assert sorted(names) == on_disk
    assert "exchange_rates" not in names
    assert names.index("meetings") == names.index("sources") + 1
    assert names.index("meetings") < names.index("commitments") < names.index("milestones")


def test_no_exchange_rates_are_seeded():
    # No article gives a rate; the $67 bn / $68 bn conversions stay in commitment 1's summary.
    assert not (FIXTURES / "exchange_rates.json").exists()
    assert "$67 billion" in COMMITMENTS[1]["summary"]
    assert "$68 billion" in COMMITMENTS[1]["summary"]


# --- Every reference points at a row that exists ----------------------------------------


def test_references_resolve():
    for pk, m in MEETINGS.items():
        assert set(m["sources"]) <= set(SOURCES), ("meeting", pk)
    for pk, a in AGREEMENTS.items():
        assert set(a["sources"]) <= set(SOURCES), ("agreement", pk)
    for pk, c in COMMITMENTS.items():
        assert c["pillar"] in PILLARS, pk
        assert c["agreement"] is None or c["agreement"] in AGREEMENTS, pk
        assert c["meeting"] in MEETINGS, pk
        assert c["parent"] is None or c["parent"] in COMMITMENTS, pk
        assert c["parent"] != pk, pk
        assert set(c["sectors"]) <= set(SECTORS), pk
        assert set(c["sources"]) <= set(SOURCES), pk
    for pk, m in MILESTONES.items():
        assert m["commitment"] in COMMITMENTS, pk
        assert m["meeting"] is None or m["meeting"] in MEETINGS, pk
        assert set(m["sources"]) <= set(SOURCES), pk


def test_slugs_are_unique():
    for rows in (MEETINGS, AGREEMENTS, PILLARS, SECTORS, COMMITMENTS):
        slugs = [r["slug"] for r in rows.values()]
        assert len(slugs) == len(set(slugs))


# --- Pillars and meetings -------------------------------------------------------------------


def test_nine_groups_the_eight_pillars_and_security():
    ordered = sorted(PILLARS.values(), key=lambda p: p["order"])
    assert [p["name"] for p in ordered if p["in_joint_vision"]] == JOINT_VISION_PILLARS
    assert [p["name"] for p in ordered if not p["in_joint_vision"]] == ["Security Cooperation"]


def test_every_pillar_has_commitments():
    assert {c["pillar"] for c in COMMITMENTS.values()} == set(PILLARS)


def test_the_tokyo_summit_is_dated_and_the_later_meeting_is_not():
    assert sorted(MEETINGS) == [1, 2]
    summit, later = MEETINGS[1], MEETINGS[2]
    assert summit["held_on"] == SUMMIT and summit["place"] == "Tokyo"
    assert "003" in articles_of(summit["sources"])  # “NEW DELHI, Aug 29 … on Friday”
    assert later["held_on"] is None and later["place"] == ""
    assert "does not give the date" in later["date_note"]
    assert "recently adopted" in later["date_note"]
    assert only_later_article(later["sources"])


# --- Agreements -----------------------------------------------------------------------------


@pytest.mark.parametrize("pk", sorted(AGREEMENTS))
def test_agreement_is_dated_only_when_a_summit_report_says_it_was_signed(pk):
    a = AGREEMENTS[pk]
    assert a["sources"], pk
    assert a["signed_on"] in (None, SUMMIT), pk
    if a["signed_on"]:
        summit_reports = [
            s for s in a["sources"] if articles_of([s]) and not only_later_article([s])
        ]
        wording = " ".join(SOURCES[s]["excerpt"] for s in summit_reports)
        assert re.search(r"\bsign|\badopt", wording), pk


# --- Commitments ----------------------------------------------------------------------------


def test_at_least_25_commitments_each_with_a_source():
    assert len(COMMITMENTS) >= 25
    assert all(c["sources"] for c in COMMITMENTS.values())


@pytest.mark.parametrize("pk", sorted(COMMITMENTS))
def test_kind_and_target(pk):
    c = COMMITMENTS[pk]
    assert c["kind"] in KINDS, pk
    if c["kind"] == "quantitative":
        assert Decimal(c["target_value"]) > 0 and c["target_unit"], pk
    else:
        assert c["target_value"] is None and c["target_unit"] == "", pk


@pytest.mark.parametrize("pk", sorted(COMMITMENTS))
def test_dates_and_deadline_basis(pk):
    c = COMMITMENTS[pk]
    basis, words = c["deadline_basis"], c["deadline_words"]
    assert basis in DEADLINE_BASES, pk
    assert words.strip(), pk
    assert c["start_date"] in (None, SUMMIT), pk
    if c["start_date"] is None:
        assert basis == "none", pk
    if basis == "none":
        assert c["deadline"] is None, pk
    else:
        assert c["deadline"] is not None, pk
        assert date.fromisoformat(c["deadline"]) > date.fromisoformat(c["start_date"]), pk
    if basis == "assumed":
        assert c["deadline"] == ASSUMED_DEADLINE, pk
        assert "“" not in words, pk  # an assumption is not a quotation


@pytest.mark.parametrize(
    "pk", sorted(pk for pk, c in COMMITMENTS.items() if c["deadline_basis"] == "stated")
)
def test_stated_deadline_words_are_quoted_from_a_cited_article(pk):
    c = COMMITMENTS[pk]
    quoted = collapse(unquote(c["deadline_words"]))
    cited = articles_of(c["sources"])
    assert any(quoted in ARTICLES[name] for name in cited), (pk, quoted)


@pytest.mark.parametrize("pk", sorted(COMMITMENTS))
def test_items_only_article_001_mentions_belong_to_the_undated_meeting(pk):
    c = COMMITMENTS[pk]
    if only_later_article(c["sources"]):
        assert c["meeting"] == 2, pk
        assert c["start_date"] is None and c["deadline"] is None, pk
        assert c["deadline_basis"] == "none", pk
        assert milestones_of(pk) == [], pk
    else:
        assert c["meeting"] == 1, pk
        assert c["start_date"] == SUMMIT, pk


@pytest.mark.parametrize(
    "pk", sorted(pk for pk, c in COMMITMENTS.items() if c["agreement"] == JOINT_VISION)
)
def test_joint_vision_items_cite_a_source_that_names_it(pk):
    excerpts = " ".join(SOURCES[s]["excerpt"] for s in COMMITMENTS[pk]["sources"])
    assert "joint vision" in excerpts.lower(), pk


def test_ten_trillion_yen_target_is_stored_exactly():
    target = COMMITMENTS[1]
    assert target["kind"] == "quantitative"
    assert (Decimal(target["target_value"]), target["target_unit"]) == (
        Decimal("10000000000000"),
        "JPY",
    )
    assert target["deadline"] == ASSUMED_DEADLINE and target["deadline_basis"] == "stated"
    excerpts = " ".join(SOURCES[s]["excerpt"] for s in target["sources"])
    # The articles disagree on the dollar figure; both are cited with the exact yen target.
    assert "$67 billion" in excerpts and "$68 billion" in excerpts


@pytest.mark.parametrize("pk,people", [(EXCHANGE_500000, 500000), (WORKERS_50000, 50000)])
def test_people_targets_are_due_within_five_years(pk, people):
    c = COMMITMENTS[pk]
    assert (Decimal(c["target_value"]), c["target_unit"]) == (Decimal(people), "persons")
    assert c["deadline"] == "2030-08-29" and c["deadline_basis"] == "stated"
    assert c["deadline_words"] == "“within five years”"


def test_the_50000_workers_are_part_of_the_500000_exchange():
    assert COMMITMENTS[WORKERS_50000]["parent"] == EXCHANGE_500000
    assert COMMITMENTS[EXCHANGE_500000]["parent"] is None
    parent, child = COMMITMENTS[EXCHANGE_500000], COMMITMENTS[WORKERS_50000]
    assert child["target_unit"] == parent["target_unit"]
    assert Decimal(child["target_value"]) < Decimal(parent["target_value"])


def test_only_the_50000_workers_have_a_parent():
    assert {pk for pk, c in COMMITMENTS.items() if c["parent"]} == {WORKERS_50000}


def test_the_jbic_loan_is_an_announced_loan_not_a_delivered_amount():
    loan = COMMITMENTS[JBIC_LOAN]
    assert "¥60 billion" in loan["title"]
    assert loan["kind"] == "deliverable"
    assert loan["target_value"] is None and loan["target_unit"] == ""
    assert all(m["amount"] is None for m in milestones_of(JBIC_LOAN))


def test_nothing_is_invested_in_the_hyderabad_data_centre_yet():
    centre = COMMITMENTS[HYDERABAD]
    assert centre["kind"] == "quantitative" and centre["target_unit"] == "INR"
    assert Decimal(centre["target_value"]) == Decimal("105000000000")  # Rs10,500 crore
    assert all(m["amount"] is None for m in milestones_of(HYDERABAD))


def test_chandrayaan_5_is_tracked():
    assert any("Chandrayaan-5" in c["title"] for c in COMMITMENTS.values())
    assert any("Chandrayaan-5" in a["title"] for a in AGREEMENTS.values())


# --- Milestones -----------------------------------------------------------------------------


@pytest.mark.parametrize("pk", sorted(MILESTONES))
def test_milestone_fields(pk):
    m = MILESTONES[pk]
    c = COMMITMENTS[m["commitment"]]
    assert "percent_complete" not in m, pk
    assert m["sources"], pk
    assert m["status"] == "published" and m["published_at"], pk
    assert m["kind"] in MILESTONE_KINDS, pk
    if m["kind"] == "evidence" and c["kind"] == "deliverable":
        assert m["stage"] in EVIDENCED_STAGES, pk
    else:
        assert m["stage"] == "", pk
    if m["kind"] == "reaffirmed":
        assert m["meeting"] is not None, pk
    else:
        assert m["meeting"] is None, pk
    if c["kind"] == "deliverable" or m["kind"] != "evidence":
        assert m["amount"] is None, pk
    if m["amount"] is not None:
        assert m["unit"], pk


@pytest.mark.parametrize("pk", sorted(MILESTONES))
def test_milestone_rests_on_a_summit_report_not_on_article_001(pk):
    m = MILESTONES[pk]
    assert not only_later_article(m["sources"]), pk
    assert COMMITMENTS[m["commitment"]]["meeting"] == 1, pk
    assert m["occurred_on"] >= COMMITMENTS[m["commitment"]]["start_date"], pk


@pytest.mark.parametrize("pk", sorted(MILESTONES))
def test_a_summit_document_is_a_baseline_not_a_milestone(pk):
    assert not BASELINE_TITLE.search(MILESTONES[pk]["title"]), MILESTONES[pk]["title"]


def test_no_reaffirmation_is_dated_for_the_undated_meeting():
    assert not [m for m in MILESTONES.values() if m["meeting"] == 2]
