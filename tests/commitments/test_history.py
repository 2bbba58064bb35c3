"""The history in the admin: who changed what, when, from which value and why, for every
milestone, commitment, source and exchange rate, and a revert that is itself recorded."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests import factories
from tests.commitments.test_admin import form_data
from tests.commitments.test_workflow import commitment, draft, errors_of, press
from tracker.commitments.models import Assessment, Correction, ExchangeRate, Milestone, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def corrected(editor_client, reviewer_client):
    """A milestone drafted at ¥500 billion, published after review, then corrected."""
    yen = commitment(target_value=Decimal("1e13"), target_unit="JPY")
    milestone = draft(editor_client, yen, amount="¥500 billion", unit="")
    assert press(reviewer_client, milestone, "_publish").status_code == 302
    response = press(
        reviewer_client,
        milestone,
        "_save",
        amount="¥450 billion",
        change_reason="The ministry revised the figure.",
    )
    assert response.status_code == 302
    return milestone


def history_url(obj):
    name = type(obj)._meta.model_name
    return reverse(f"admin:commitments_{name}_history", args=[obj.pk])


def version_url(milestone, record):
    return reverse(
        "admin:commitments_milestone_simple_history", args=[milestone.pk, record.history_id]
    )


def revert(client, milestone, record):
    """Press Revert on a past version, as the page offers it."""
    page = client.get(version_url(milestone, record))
    assert page.status_code == 200
    data = form_data(page, "historicalmilestone_form")
    return client.post(version_url(milestone, record), data | {"_save": ["Revert"]})


def test_the_history_says_who_changed_what_when_and_why_with_the_old_and_new_values(
    corrected, editor_client, editor, reviewer
):
    response = editor_client.get(history_url(corrected))
    assert response.status_code == 200
    records = list(response.context["page_obj"])
    correction, publication, creation = records[0], records[1], records[-1]
    assert (creation.history_type, creation.history_user) == ("+", editor)
    assert (publication.history_user, publication.history_change_reason) == (
        reviewer,
        "Published after review",
    )
    assert {"field": "Status", "old": "draft", "new": "published"} in (
        publication.history_delta_changes
    )
    assert correction.history_change_reason == "The ministry revised the figure."
    assert {"field": "Amount", "old": "500,000,000,000", "new": "450,000,000,000"} in (
        correction.history_delta_changes
    )
    page = response.content.decode()
    assert "The ministry revised the figure." in page and "500,000,000,000" in page
    assert "&rarr;" in page  # old → new


def test_a_revert_of_a_published_figure_is_recorded_and_corrected_publicly(
    corrected, reviewer_client, reviewer
):
    published = corrected.history.filter(history_change_reason="Published after review").get()
    response = revert(reviewer_client, corrected, published)
    assert response.status_code == 302, errors_of(response)
    corrected.refresh_from_db()
    assert corrected.amount == Decimal("5e11") and corrected.status == "published"

    record = corrected.history.latest()
    assert record.history_user == reviewer
    assert record.history_change_reason.startswith("Reverted to the version of ")
    assert record.history_change_reason.endswith(f"by {reviewer}.")
    latest = Correction.objects.first()
    assert latest.reason == record.history_change_reason
    assert latest.changes == [{"field": "amount", "old": "¥450 billion", "new": "¥500 billion"}]
    by_reviewer = corrected.history.filter(history_user=reviewer)
    assert by_reviewer.count() == 3  # published, corrected, reverted


def test_reverting_to_a_draft_version_keeps_the_milestone_published(corrected, reviewer_client):
    drafted = corrected.history.earliest()
    page = reviewer_client.get(version_url(corrected, drafted))
    assert page.context["adminform"].form["status"].value() == "draft"
    offered = [value for value, _ in page.context["adminform"].form.fields["status"].widget.choices]
    assert offered == ["published", "withdrawn"]

    data = form_data(page, "historicalmilestone_form") | {"status": ["draft"]}  # forged
    response = reviewer_client.post(version_url(corrected, drafted), data)
    assert "withdrawn with a reason" in str(errors_of(response)["status"])
    corrected.refresh_from_db()
    assert corrected.status == "published" and corrected.amount == Decimal("4.5e11")

    # As the page offers it, the old figure comes back and the milestone stays published.
    assert revert(reviewer_client, corrected, drafted).status_code == 302
    corrected.refresh_from_db()
    assert corrected.status == "published" and corrected.amount == Decimal("5e11")


def test_an_editor_sees_the_versions_of_a_published_milestone_but_cannot_revert_them(
    corrected, editor_client
):
    published = corrected.history.filter(history_change_reason="Published after review").get()
    page = editor_client.get(version_url(corrected, published))
    assert page.status_code == 200 and page.context["revert_disabled"]
    assert b'value="Revert"' not in page.content
    response = editor_client.post(version_url(corrected, published), {"_save": "Revert"})
    assert response.status_code == 403
    corrected.refresh_from_db()
    assert corrected.amount == Decimal("4.5e11")


def test_a_draft_is_reverted_by_its_editor(editor_client):
    usd = commitment()
    milestone = draft(editor_client, usd, title="First title", amount="5", unit="USD")
    assert press(editor_client, milestone, "_save", title="Second title").status_code == 302
    assert revert(editor_client, milestone, milestone.history.earliest()).status_code == 302
    milestone.refresh_from_db()
    assert milestone.title == "First title"
    assert milestone.history.latest().history_change_reason.startswith("Reverted to the version")


def test_shell_saves_are_in_the_history_without_a_user(editor_client):
    milestone = factories.milestone(commitment(), amount=Decimal(5), unit="USD")
    milestone.title = "Renamed in the shell"
    milestone.save()
    response = editor_client.get(history_url(milestone))
    latest = response.context["page_obj"][0]
    assert latest.history_user is None
    assert {"field": "Title", "old": "Something happened", "new": "Renamed in the shell"} in (
        latest.history_delta_changes
    )


def test_commitments_sources_and_rates_keep_a_history_of_admin_edits(editor_client, editor):
    usd = commitment()
    source = factories.source(title="A report")
    rate = ExchangeRate.objects.create(currency="JPY", date="2025-08-29", units_per_usd=147)
    edits = [
        (usd, {"title": "A retitled commitment"}),
        (source, {"title": "A retitled report"}),
        (rate, {"units_per_usd": "148.5"}),
    ]
    for obj, changes in edits:
        name = type(obj)._meta.model_name
        url = reverse(f"admin:commitments_{name}_change", args=[obj.pk])
        data = form_data(editor_client.get(url), f"{name}_form")
        response = editor_client.post(url, data | {k: [value] for k, value in changes.items()})
        assert response.status_code == 302, response.context["adminform"].form.errors
        history = editor_client.get(history_url(obj))
        latest = history.context["page_obj"][0]
        assert latest.history_user == editor
        (field,) = changes
        assert [change["field"].lower() for change in latest.history_delta_changes] == [
            type(obj)._meta.get_field(field).verbose_name.lower()
        ]
    assert Source.history.filter(title="A retitled report").exists()


def test_the_commitment_history_lists_its_assessments(editor_client, reviewer):
    judged = commitment()
    Assessment.objects.create(
        commitment=judged, status="at_risk", reason="No tranche in a year.", assessed_by=reviewer
    )
    response = editor_client.get(history_url(judged))
    assert response.status_code == 200
    (record,) = response.context["assessment_history"]
    assert record.reason == "No tranche in a year."
    assert "No tranche in a year." in response.content.decode()


def test_every_tracked_model_uses_the_history_admin():
    from django.contrib import admin

    from tracker.commitments.admin.base import HistoryAdmin
    from tracker.commitments.models import Commitment

    for model in (Commitment, Milestone, Source, ExchangeRate):
        assert isinstance(admin.site._registry[model], HistoryAdmin), model
