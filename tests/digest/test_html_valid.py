"""The digest's pages and emails are valid HTML, checked by the Nu HTML validator."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from tests import factories
from tests.conftest import require_service
from tracker.digest import tokens

from .conftest import AS_OF, IN_WINDOW, subscriber

pytestmark = pytest.mark.django_db
VNU = Path(__file__).resolve().parents[2] / "node_modules/vnu-jar/build/dist/vnu.jar"


def test_digest_pages_and_emails_are_valid_html(two_pillars, client, mailoutbox, tmp_path):
    require_service("vnu-jar (npm ci) and Java", VNU.exists() and bool(shutil.which("java")))
    reader = subscriber("reader@example.org", two_pillars["health"])
    for n in range(11):  # one more than a pillar lists
        factories.milestone(
            two_pillars["clinics"], title=f"Clinic {n} opens", published_at=IN_WINDOW,
            description="Opened in **Pune**, see [the report](https://example.org/r).",
        )  # fmt: skip
    client.post("/subscribe/", {"email": "new@example.org"})
    call_command("send_weekly_digest", "--as-of", AS_OF.isoformat(), verbosity=0)
    confirmation, digest = mailoutbox
    assert "And 1 more new milestone in Health" in digest.body
    confirm = re.search(r"https://tracker\.example(/subscribe/confirm/\S+/)", confirmation.body)[1]
    documents = {
        "confirm": client.get(confirm).content,
        "confirmed": client.post(confirm).content,
        "link used": client.post(confirm).content,
        "subscribe": client.get("/subscribe/").content,
        "subscribe (errors)": client.post("/subscribe/", {"email": "nope"}).content,
        "check your email": client.get("/subscribe/check-your-email/").content,
        "manage": client.get(f"/subscribe/manage/{tokens.manage_token(reader.pk)}/").content,
        "unsubscribe": client.get(f"/unsubscribe/{tokens.unsubscribe_token(reader.pk)}/").content,
        "invalid link": client.get("/unsubscribe/nonsense/").content,
        "confirmation email": confirmation.alternatives[0][0].encode(),
        "digest email": digest.alternatives[0][0].encode(),
    }
    files = {}
    for n, (name, html) in enumerate(documents.items()):
        path = tmp_path / f"doc{n}.html"
        path.write_bytes(html)
        files[str(path)] = name
    run = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    assert [(files[m["url"].removeprefix("file:")], m["message"]) for m in messages] == []
