"""The admin pages an editor uses, driven through Django's test client."""

from datetime import date

import pytest
from django.urls import reverse

from tracker.commitments.models import Commitment, Milestone

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", ["commitment", "milestone", "source", "pillar", "agreement", "exchangerate"]
)
def test_editor_can_open_every_changelist(summit, editor_client, model):
    response = editor_client.get(reverse(f"admin:commitments_{model}_changelist"))
    assert response.status_code == 200


def test_changelist_search_and_filters_work(summit, editor_client):
    url = reverse("admin:commitments_commitment_changelist")
    response = editor_client.get(url, {"q": "Chandrayaan"})
    assert response.status_code == 200
    assert b"Chandrayaan-5" in response.content
    response = editor_client.get(url, {"kind__exact": "quantitative"})
    assert response.status_code == 200
    shown = response.context["cl"].result_count
    assert shown == Commitment.objects.filter(kind="quantitative").count()


def test_commitment_change_page_shows_milestones_inline(summit, editor_client):
    commitment = Commitment.objects.filter(milestones__isnull=False).first()
    response = editor_client.get(
        reverse("admin:commitments_commitment_change", args=[commitment.pk])
    )
    assert response.status_code == 200
    assert b"milestones-TOTAL_FORMS" in response.content
    assert commitment.milestones.first().title.encode() in response.content


def test_editor_adds_a_milestone_and_is_recorded_as_its_author(summit, editor_client, editor):
    commitment = Commitment.objects.get(slug="japanese-private-investment-10-trillion-yen")
    response = editor_client.post(
        reverse("admin:commitments_milestone_add"),
        {
            "commitment": commitment.pk,
            "occurred_on": "2025-10-01",
            "title": "First tranche announced",
            "description": "",
            "amount": "5000000000",
            "unit": "JPY",
            "percent_complete": "",
            "status": "draft",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    milestone = Milestone.objects.get(title="First tranche announced")
    assert milestone.created_by == editor and milestone.updated_by == editor
    assert milestone.occurred_on == date(2025, 10, 1)


def test_admin_rejects_a_unit_that_does_not_fit_the_target(summit, editor_client):
    commitment = Commitment.objects.get(slug="human-resource-exchange-500000")
    response = editor_client.post(
        reverse("admin:commitments_milestone_add"),
        {
            "commitment": commitment.pk,
            "occurred_on": "2025-10-01",
            "title": "Wrong unit",
            "amount": "10",
            "unit": "JPY",
            "status": "draft",
        },
    )
    assert response.status_code == 200
    assert "persons" in str(response.context["adminform"].form.errors["unit"])
    assert not Milestone.objects.filter(title="Wrong unit").exists()


def test_editors_cannot_delete(summit, editor_client):
    milestone = Milestone.objects.first()
    url = reverse("admin:commitments_milestone_delete", args=[milestone.pk])
    assert editor_client.get(url).status_code == 403
    assert editor_client.post(url, {"post": "yes"}).status_code == 403
    assert Milestone.objects.filter(pk=milestone.pk).exists()


def test_editors_correct_exchange_rates_but_cannot_change_pillars(summit, editor_client):
    assert editor_client.get(reverse("admin:commitments_exchangerate_add")).status_code == 200
    assert editor_client.get(reverse("admin:commitments_pillar_add")).status_code == 403
    assert editor_client.get(reverse("admin:commitments_agreement_add")).status_code == 403


def test_local_editor_account_only_with_debug(db, settings, capsys):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    settings.DEBUG = False
    call_command("ensure_local_editor")
    assert not get_user_model().objects.filter(username="editor").exists()
    settings.DEBUG = True
    call_command("ensure_local_editor")
    call_command("ensure_local_editor")  # a second make run
    editor = get_user_model().objects.get(username="editor")
    assert editor.is_staff and not editor.is_superuser
    assert editor.groups.filter(name="Editors").exists()
    assert "/admin/" in capsys.readouterr().out


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(reverse("admin:commitments_milestone_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_autocomplete_finds_sources_for_editors(summit, editor_client):
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "commitments",
            "model_name": "milestone",
            "field_name": "sources",
            "term": "trillion",
        },
    )
    assert response.status_code == 200
    assert response.json()["results"]
