"""However busy the week, a digest lists a bounded share of it, links to the rest, and says
the same in its HTML and text parts."""

import re
from datetime import date
from decimal import Decimal

import pytest

from tracker.digest import content, emails
from tracker.methodology import rules
from tracker.methodology.units import RateTable

AS_OF = date(2025, 9, 14)
IN_WINDOW = date(2025, 9, 10)
SITE = "https://tracker.example"
# As long as the models allow: names, titles and slugs at their max_length.
LONG_WORDS = ("Cooperation " * 30)[:300].strip()
DESCRIPTION = "\n\n".join(
    f"Paragraph {n}: the **agreement** was signed, see [the report]({SITE}/{'r' * 200}). "
    + "More words about what happened and why it matters to the commitment. " * 25
    for n in range(5)
)


@pytest.fixture
def busiest_week(settings):
    """Nine pillars (as the tracker has), each with 40 commitments that all changed status
    with two new milestones each, every text at its longest."""
    settings.SITE_URL = SITE
    pillars = [
        content.PillarInfo(p, f"{p} {'Pillar name ' * 10}"[:120], f"{SITE}/pillars/{'p' * 80}/", p)
        for p in range(1, 10)
    ]
    commitments, milestones = [], []
    for p in pillars:
        for n in range(40):
            cid = p.id * 100 + n
            commitments.append(
                content.CommitmentInfo(
                    id=cid,
                    pillar_id=p.id,
                    title=f"{cid} {LONG_WORDS}"[:300],
                    url=f"{SITE}/commitments/{'c' * 116}{cid}/",
                    weight=1,
                    terms=rules.Terms(
                        "quantitative",
                        Decimal(10**12),
                        "USD",
                        date(2025, 8, 29),
                        date(2030, 8, 29),
                        "stated",
                    ),  # fmt: skip
                )
            )
            for k in range(2):
                fact = rules.MilestoneFact(
                    cid * 10 + k, IN_WINDOW, amount=Decimal("123456789.1234"), unit="USD"
                )
                milestones.append(
                    content.PublishedMilestone(
                        fact, cid, IN_WINDOW, f"{fact.id} {LONG_WORDS}"[:300], DESCRIPTION
                    )
                )
    window = content.window_for(AS_OF)
    return content.week_news(
        window, pillars, commitments, milestones, RateTable(), rules.Thresholds()
    )


def email_of(news, pillar_ids=frozenset()):
    digest = content.build_digest(frozenset(pillar_ids), news)
    link = emails.manage_url(10**9)
    return emails.digest_message(
        emails.render_digest(digest), "a" * 64 + "@example.org", link, link
    )


def test_the_largest_digest_stays_under_100_kb_however_busy_the_week(busiest_week):
    assert len(busiest_week.milestones) == 9 * 40 * 2 and len(busiest_week.changes) == 9 * 40
    size = len(email_of(busiest_week).message().as_bytes())
    assert size <= 100 * 1024


def test_a_reader_of_one_busy_pillar_gets_ten_of_each_and_a_link_to_the_rest(busiest_week):
    message = email_of(busiest_week, {1})
    (html, _), *_ = message.alternatives
    pillar = busiest_week.pillars[0]
    for part in (message.body, html):
        assert len(re.findall(r"#milestone-\d+", part)) == 10
        assert f"And 70 more new milestones in {pillar.name}" in part
        assert f"And 30 more status changes in {pillar.name}" in part
    assert f"And 70 more new milestones in {pillar.name}: {pillar.url}\n" in message.body
    assert f'<a href="{pillar.url}" style="color:#0b3a6e;">And 70 more new milestones' in html


def listed(part):
    """What a part lists, in order: each milestone and commitment it links, each 'and more'."""
    links = re.findall(rf"{SITE}/commitments/[^\s\"#]+(?:#milestone-\d+)?", part)
    more = re.findall(r"And [\d,]+ more [a-z ]+ in [^:<]+", part)
    return links, more


@pytest.mark.parametrize("pillar_ids", [set(), {1}, {2, 5}], ids=["all", "one", "two"])
def test_the_html_and_text_parts_list_the_same_things(busiest_week, pillar_ids):
    message = email_of(busiest_week, pillar_ids)
    (html, _), *_ = message.alternatives
    assert listed(message.body) == listed(html)
    links, more = listed(html)
    assert links and more
    shown = len([link for link in links if "#milestone-" in link])
    # Each description's first paragraph only, cut short, in both parts.
    assert message.body.count("Paragraph 0:") == html.count("Paragraph 0:") == shown
    assert "Paragraph 1:" not in message.body and "Paragraph 1:" not in html
    assert message.body.count(" …\n") == html.count(" …</p>") == shown
