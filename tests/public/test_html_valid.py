"""Every kind of public page is valid HTML, checked by the Nu HTML validator (vnu-jar)."""

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import require_service
from tests.public.builders import assess_and_plan, correct_and_withdraw
from tracker.commitments.models import Commitment

pytestmark = pytest.mark.django_db
VNU = (
    Path(__file__).resolve().parents[2] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)


def test_public_pages_are_valid_html(summit, client, tmp_path):
    require_service("vnu-jar (npm ci) and Java", VNU.exists() and bool(shutil.which("java")))
    yen = Commitment.objects.get(target_unit="JPY", target_value=Decimal("1e13"))
    deliverable = Commitment.objects.get(slug__startswith="chandrayaan-5")
    # A deliverable with an assessment, evidence, a reaffirmation and a planned event; a
    # parent with its sub-target; a commitment from a meeting without a date.
    assess_and_plan(deliverable)
    correct_and_withdraw(yen)  # a corrected milestone and a withdrawn one, and the log
    others = [
        Commitment.objects.get(slug=s).get_absolute_url()
        for s in ("human-resource-exchange-500000", "nsa-level-dialogue")
    ]
    paths = ["/", "/commitments/", "/commitments/?pillar=nope", yen.get_absolute_url(),
             yen.pillar.get_absolute_url(), deliverable.get_absolute_url(), *others,
             "/agreements/", "/sources/", "/methodology/", "/corrections/",
             "/no-such-page/"]  # fmt: skip
    files = []
    for n, path in enumerate(paths):
        file = tmp_path / f"page{n}.html"
        file.write_bytes(client.get(path).content)
        files.append(str(file))
    run = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    problems = [
        (paths[files.index(m["url"].removeprefix("file:"))], m["message"]) for m in messages
    ]
    assert problems == []
