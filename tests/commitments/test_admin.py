"""The admin pages an editor uses, driven through Django's test client."""

from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tests import factories
from tests.summit import JBIC_LOAN, YEN
from tracker.commitments.models import Assessment, Commitment, Milestone
from tracker.progress.models import CommitmentProgress

pytestmark = pytest.mark.django_db


class FormFields(HTMLParser):
    """What a browser would submit from the form with the given id, as name → [values]:
    no template forms (``__prefix__``), no disabled fields, no buttons."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside = form_id, False
        self.fields: dict[str, list[str]] = {}
        self.select = self.textarea = None
        self.options: list[tuple[str, bool]] = []

    def add(self, name, value):
        if name and "__prefix__" not in name:
            self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "disabled" in a:
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "reset", "file", "image"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.add(a.get("name"), a.get("value", "on"))
                return
            self.add(a.get("name"), a.get("value") or "")
        elif tag == "select":
            self.select, self.options = a, []
        elif tag == "option" and self.select is not None:
            self.options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self.textarea, self.text = a.get("name"), ""

    def handle_data(self, data):
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            chosen = [value for value, selected in self.options if selected]
            if not chosen and self.options and "multiple" not in self.select:
                chosen = [self.options[0][0]]  # a browser submits the first option
            for value in chosen:
                self.add(self.select.get("name"), value)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.add(self.textarea, self.text.removeprefix("\n"))
            self.textarea = None


def form_data(response, form_id):
    parser = FormFields(form_id)
    parser.feed(response.content.decode())
    assert parser.fields, f"no form #{form_id} on the page"
    return parser.fields


def change_url(commitment):
    return reverse("admin:commitments_commitment_change", args=[commitment.pk])


def inline_formset(response, model):
    (found,) = [f for f in response.context["inline_admin_formsets"] if f.formset.model is model]
    return found


def milestone_post(commitment, sources=(), **fields):
    """The milestone add form as an editor fills it in."""
    return {
        "commitment": commitment.pk,
        "kind": "evidence",
        "occurred_on": "2025-10-01",
        "title": "A tranche",
        "description": "",
        "amount": "5000000000",
        "unit": "JPY",
        "stage": "",
        "meeting": "",
        "status": "draft",
        "sources": [s.pk for s in sources],
    } | fields


@pytest.fixture
def single_person_client(reviewer, settings):
    """A one-person newsroom: the reviewer may publish what they drafted themselves."""
    settings.EDITORIAL_SINGLE_PERSON = True
    client = Client()
    client.force_login(reviewer)
    return client


@pytest.fixture
def assessor(editor):
    editor.user_permissions.add(Permission.objects.get(codename="assess_commitment"))
    return editor


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
    for kind in ("quantitative", "deliverable"):
        response = editor_client.get(url, {"kind__exact": kind})
        assert response.status_code == 200
        shown = response.context["cl"].result_count
        assert shown == Commitment.objects.filter(kind=kind).count() > 0
    response = editor_client.get(url, {"deadline_basis__exact": "stated"})
    assert response.context["cl"].result_count == (
        Commitment.objects.filter(deadline_basis="stated").count()
    )


def test_commitment_change_page_shows_milestones_inline(summit, editor_client):
    commitment = Commitment.objects.filter(milestones__isnull=False).first()
    response = editor_client.get(change_url(commitment))
    assert response.status_code == 200
    assert b"milestones-TOTAL_FORMS" in response.content
    assert commitment.milestones.first().title.encode() in response.content


def test_the_unchanged_commitment_form_saves(summit, editor_client):
    """What the page offers an editor is a valid form: saving it as it is changes nothing."""
    loan = Commitment.objects.get(slug=JBIC_LOAN)
    before = (loan.milestones.count(), loan.assessments.count(), loan.title)
    data = form_data(editor_client.get(change_url(loan)), "commitment_form")
    response = editor_client.post(change_url(loan), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    loan.refresh_from_db()
    assert (loan.milestones.count(), loan.assessments.count(), loan.title) == before


def test_editor_adds_a_milestone_and_is_recorded_as_its_author(summit, editor_client, editor):
    commitment = Commitment.objects.get(slug=YEN)
    response = editor_client.post(
        reverse("admin:commitments_milestone_add"),
        milestone_post(commitment, title="First tranche announced"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    milestone = Milestone.objects.get(title="First tranche announced")
    assert milestone.created_by == editor and milestone.updated_by == editor
    assert milestone.occurred_on == date(2025, 10, 1)
    assert milestone.kind == "evidence" and milestone.status == "draft"


def test_admin_rejects_a_unit_that_does_not_fit_the_target(summit, editor_client):
    commitment = Commitment.objects.get(slug="human-resource-exchange-500000")
    response = editor_client.post(
        reverse("admin:commitments_milestone_add"),
        milestone_post(commitment, title="Wrong unit", amount="10", unit="JPY"),
    )
    assert response.status_code == 200
    assert "persons" in str(response.context["adminform"].form.errors["unit"])
    assert not Milestone.objects.filter(title="Wrong unit").exists()


def test_admin_asks_a_deliverable_milestone_for_its_stage(summit, editor_client):
    loan = Commitment.objects.get(slug=JBIC_LOAN)
    url = reverse("admin:commitments_milestone_add")
    response = editor_client.post(
        url, milestone_post(loan, title="Loan disbursed", amount="", unit="")
    )
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["stage"]
    response = editor_client.post(
        url, milestone_post(loan, title="Loan disbursed", amount="", unit="", stage="under_way")
    )
    assert response.status_code == 302
    assert Milestone.objects.get(title="Loan disbursed").stage == "under_way"


# --- Publishing: a source, and a date that has happened -----------------------------------


def test_publishing_a_milestone_with_no_source_is_refused_on_the_sources_field(
    summit, single_person_client
):
    commitment = Commitment.objects.get(slug=YEN)
    url = reverse("admin:commitments_milestone_add")
    response = single_person_client.post(
        url, milestone_post(commitment, title="Unsourced", status="published")
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["sources"]
    assert "Cite at least one source" in str(errors["sources"])
    assert not Milestone.objects.filter(title="Unsourced").exists()

    # A draft may wait for its source; publishing it later still needs one.
    response = single_person_client.post(url, milestone_post(commitment, title="Unsourced"))
    assert response.status_code == 302
    draft = Milestone.objects.get(title="Unsourced")
    edit = reverse("admin:commitments_milestone_change", args=[draft.pk])
    response = single_person_client.post(
        edit, milestone_post(commitment, title="Unsourced", status="published")
    )
    assert list(response.context["adminform"].form.errors) == ["sources"]
    draft.refresh_from_db()
    assert draft.status == "draft"

    source = factories.source()
    response = single_person_client.post(
        edit, milestone_post(commitment, [source], title="Unsourced", status="published")
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published" and list(draft.sources.all()) == [source]

    # Nor can a published milestone lose its last source.
    response = single_person_client.post(
        edit, milestone_post(commitment, title="Unsourced", status="published")
    )
    assert list(response.context["adminform"].form.errors) == ["sources"]
    assert list(draft.sources.all()) == [source]


def test_publishing_a_milestone_dated_after_today_is_refused_unless_planned(
    summit, single_person_client
):
    commitment = Commitment.objects.get(slug=YEN)
    source = factories.source()
    url = reverse("admin:commitments_milestone_add")
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = single_person_client.post(
        url,
        milestone_post(
            commitment, [source], title="Not yet", occurred_on=tomorrow, status="published"
        ),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["occurred_on"]
    assert "planned" in str(errors["occurred_on"])
    assert not Milestone.objects.filter(title="Not yet").exists()

    today = timezone.localdate().isoformat()
    response = single_person_client.post(
        url,
        milestone_post(commitment, [source], title="Today", occurred_on=today, status="published"),
    )
    assert response.status_code == 302
    response = single_person_client.post(
        url,
        milestone_post(commitment, title="Future draft", occurred_on=tomorrow, status="draft"),
    )
    assert response.status_code == 302
    response = single_person_client.post(
        url,
        milestone_post(
            commitment,
            [source],
            title="Second round of talks",
            kind="planned",
            amount="",
            unit="",
            occurred_on=tomorrow,
            status="published",
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Milestone.objects.get(title="Second round of talks").kind == "planned"


def test_the_inline_on_the_commitment_page_applies_the_same_publishing_rules(
    summit, single_person_client
):
    loan = Commitment.objects.get(slug=JBIC_LOAN)
    url = change_url(loan)
    data = form_data(single_person_client.get(url), "commitment_form")
    n = int(data["milestones-TOTAL_FORMS"][0])
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    data |= {
        "milestones-TOTAL_FORMS": [str(n + 1)],
        f"milestones-{n}-commitment": [str(loan.pk)],
        f"milestones-{n}-occurred_on": [tomorrow],
        f"milestones-{n}-kind": ["evidence"],
        f"milestones-{n}-title": ["Loan disbursed"],
        f"milestones-{n}-stage": ["under_way"],
        f"milestones-{n}-status": ["published"],
    }
    response = single_person_client.post(url, data)
    assert response.status_code == 200
    errors = inline_formset(response, Milestone).formset.errors[n]
    assert set(errors) == {"sources", "occurred_on"}
    assert not Milestone.objects.filter(title="Loan disbursed").exists()


# --- Editors' assessments ------------------------------------------------------------------


def test_an_editor_without_the_permission_sees_no_way_to_add_an_assessment(
    summit, editor_client, editor, django_capture_on_commit_callbacks
):
    loan = Commitment.objects.get(slug=JBIC_LOAN)
    Assessment.objects.create(commitment=loan, status="on_track", reason="Loan signed on time.")
    assert not editor.has_perm("commitments.assess_commitment")
    response = editor_client.get(change_url(loan))
    inline = inline_formset(response, Assessment)
    assert not inline.has_add_permission
    assert inline.formset.max_num == 0
    assert b'id="assessments-empty"' not in response.content  # no template to add from
    assert b"Loan signed on time." in response.content  # the history is shown

    # Forging the form an assessor would send adds nothing.
    data = form_data(response, "commitment_form")
    data |= {
        "assessments-TOTAL_FORMS": ["2"],
        "assessments-1-status": ["off_track"],
        "assessments-1-assessed_on": [timezone.localdate().isoformat()],
        "assessments-1-reason": ["Forged."],
    }
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(change_url(loan), data)
    assert list(loan.assessments.values_list("reason", flat=True)) == ["Loan signed on time."]


def test_an_assessor_adds_an_assessment_with_a_reason(
    summit, assessor, editor_client, django_capture_on_commit_callbacks
):
    loan = Commitment.objects.get(slug=JBIC_LOAN)
    url = change_url(loan)
    response = editor_client.get(url)
    assert inline_formset(response, Assessment).has_add_permission
    assert b'id="assessments-empty"' in response.content
    data = form_data(response, "commitment_form")
    assert data["assessments-TOTAL_FORMS"] == ["0"]
    today = timezone.localdate().isoformat()

    new = {
        "assessments-TOTAL_FORMS": ["1"],
        "assessments-0-commitment": [str(loan.pk)],
        "assessments-0-status": ["stalled"],
        "assessments-0-assessed_on": [today],
        "assessments-0-reason": ["   "],
    }
    response = editor_client.post(url, data | new)
    assert response.status_code == 200
    errors = inline_formset(response, Assessment).formset.errors[0]
    assert list(errors) == ["reason"]
    assert not Assessment.objects.exists()

    new["assessments-0-reason"] = ["No disbursement reported since the loan was signed."]
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url, data | new)
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert assessment.commitment == loan and assessment.status == "stalled"
    assert assessment.assessed_by == assessor
    assert assessment.assessed_on == timezone.localdate()
    progress = CommitmentProgress.objects.get(commitment=loan)
    assert progress.status == "stalled" and progress.computed_status == "in_progress"
    assert progress.assessment == assessment


def test_an_assessment_dated_in_the_future_is_refused_on_its_field(summit, assessor, editor_client):
    loan = Commitment.objects.get(slug=JBIC_LOAN)
    url = change_url(loan)
    data = form_data(editor_client.get(url), "commitment_form")
    data |= {
        "assessments-TOTAL_FORMS": ["1"],
        "assessments-0-commitment": [str(loan.pk)],
        "assessments-0-status": ["on_track"],
        "assessments-0-assessed_on": [(timezone.localdate() + timedelta(days=1)).isoformat()],
        "assessments-0-reason": ["Ahead of plan."],
    }
    response = editor_client.post(url, data)
    assert list(inline_formset(response, Assessment).formset.errors[0]) == ["assessed_on"]
    assert not Assessment.objects.exists()


def test_existing_assessments_cannot_be_changed_or_deleted_on_the_page(
    summit, assessor, editor_client
):
    loan = Commitment.objects.get(slug=JBIC_LOAN)
    kept = Assessment.objects.create(
        commitment=loan,
        status="on_track",
        reason="Loan signed on time.",
        assessed_on=date(2025, 9, 1),
    )
    url = change_url(loan)
    response = editor_client.get(url)
    inline = inline_formset(response, Assessment)
    assert not inline.has_change_permission and not inline.has_delete_permission
    data = form_data(response, "commitment_form")
    assert data["assessments-INITIAL_FORMS"] == ["1"]
    assert "assessments-0-reason" not in data  # shown as text, not as a field
    assert "assessments-0-DELETE" not in data

    # Forging the fields anyway changes and deletes nothing.
    data |= {
        "assessments-0-status": ["off_track"],
        "assessments-0-reason": ["Rewritten."],
        "assessments-0-assessed_on": ["2025-10-01"],
        "assessments-0-DELETE": ["on"],
    }
    response = editor_client.post(url, data)
    assert response.status_code == 302
    kept.refresh_from_db()
    assert (kept.status, kept.reason, kept.assessed_on) == (
        "on_track",
        "Loan signed on time.",
        date(2025, 9, 1),
    )

    # Nor is there an admin page of their own to edit them on.
    with pytest.raises(NoReverseMatch):
        reverse("admin:commitments_assessment_changelist")


# --- Commitment checks, on the field --------------------------------------------------------


def test_commitment_form_shows_clean_messages_on_their_fields(summit, editor_client):
    child = Commitment.objects.get(slug="skilled-indian-workers-50000")
    parent = child.parent
    url = change_url(parent)
    data = form_data(editor_client.get(url), "commitment_form")

    response = editor_client.post(url, data | {"parent": [str(child.pk)]})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["parent"] and "part of itself" in str(errors["parent"])

    response = editor_client.post(url, data | {"deadline_basis": ["none"]})
    assert list(response.context["adminform"].form.errors) == ["deadline"]

    response = editor_client.post(url, data | {"deadline_words": [""]})
    assert list(response.context["adminform"].form.errors) == ["deadline_words"]
    parent.refresh_from_db()
    assert parent.parent is None and parent.deadline_basis == "stated"


# --- Permissions and the rest ---------------------------------------------------------------


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
