"""The editorial workflow in the admin, driven through Django's test client: editors draft,
a second person reviews and publishes, reviewers correct and withdraw with a public reason,
figures are typed as people write them, and every database rule answers on its field."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.commitments.test_admin import form_data, milestone_post
from tracker.commitments.models import Correction, ExchangeRate, Meeting, Milestone
from tracker.progress.models import CommitmentProgress

pytestmark = pytest.mark.django_db

ADD = "admin:commitments_milestone_add"


def commitment(**fields):
    """A commitment whose admin page saves as it is (the page asks for its meeting)."""
    meeting, _ = Meeting.objects.get_or_create(slug="summit", defaults={"name": "The summit"})
    return factories.commitment(meeting=meeting, **fields)


@pytest.fixture
def yen_target(db):
    return commitment(target_value=Decimal("1e13"), target_unit="JPY")


def changelist_url():
    return reverse("admin:commitments_milestone_changelist")


def change_url(milestone):
    return reverse("admin:commitments_milestone_change", args=[milestone.pk])


def withdraw_url(milestone):
    return reverse("admin:commitments_milestone_withdraw", args=[milestone.pk])


def draft(client, commitment, **fields) -> Milestone:
    """A draft saved through the add form, citing a source unless told otherwise."""
    sources = fields.pop("sources", [factories.source()])
    data = milestone_post(commitment, sources, **fields)
    response = client.post(reverse(ADD), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return Milestone.objects.get(title=data["title"])


def errors_of(response) -> dict:
    assert response.status_code == 200, response.get("Location")
    return response.context["adminform"].form.errors


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def press(client, milestone, button, **changes):
    """Submit the milestone's change page as shown, with these changes, by one button."""
    data = form_data(client.get(change_url(milestone)), "milestone_form")
    data |= {name: [value] for name, value in changes.items()}
    return client.post(change_url(milestone), data | {button: ["1"]})


def status_options(response) -> list[str]:
    field = response.context["adminform"].form.fields["status"]
    return [value for value, _ in field.widget.choices]


# --- Roles ----------------------------------------------------------------------------------


def test_an_editor_is_offered_only_draft_and_a_reviewer_may_publish(
    yen_target, editor_client, reviewer_client
):
    assert status_options(editor_client.get(reverse(ADD))) == ["draft"]
    assert status_options(reviewer_client.get(reverse(ADD))) == ["draft", "published"]


def test_a_forged_publish_from_an_editor_is_refused_on_the_status_field(yen_target, editor_client):
    response = editor_client.post(
        reverse(ADD), milestone_post(yen_target, [factories.source()], status="published")
    )
    assert "Only a reviewer" in str(errors_of(response)["status"])
    assert not Milestone.objects.exists()

    milestone = draft(editor_client, yen_target)
    response = press(editor_client, milestone, "_publish")
    assert list(errors_of(response)) == ["status"]
    response = press(editor_client, milestone, "_save", status="withdrawn")
    assert "status" in errors_of(response)
    milestone.refresh_from_db()
    assert milestone.status == "draft"


def test_editors_see_no_publish_button_and_no_publish_or_withdraw_action(
    yen_target, editor_client, reviewer_client, editor
):
    milestone = draft(editor_client, yen_target)
    assert b'name="_publish"' not in editor_client.get(change_url(milestone)).content
    assert editor_client.get(changelist_url()).context["action_form"] is None  # no actions
    assert b'name="_publish"' in reviewer_client.get(change_url(milestone)).content
    actions = reviewer_client.get(changelist_url()).context["action_form"].fields["action"]
    assert {"publish", "withdraw"} <= {value for value, _ in actions.choices}


def test_an_editor_can_look_at_a_published_milestone_but_not_change_it(yen_target, editor_client):
    published = factories.milestone(yen_target, amount=Decimal(5), unit="JPY")
    response = editor_client.get(change_url(published))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert editor_client.post(change_url(published), {"title": "Renamed"}).status_code == 403
    assert editor_client.get(withdraw_url(published)).status_code == 403
    published.refresh_from_db()
    assert published.title == "Something happened"


def test_nobody_deletes_a_published_or_withdrawn_milestone(yen_target, admin_client):
    published = factories.milestone(yen_target, amount=Decimal(5), unit="JPY")
    withdrawn = factories.milestone(yen_target, amount=Decimal(5), unit="JPY")
    withdrawn.status, withdrawn.withdrawal_reason = "withdrawn", "Misread the source."
    withdrawn.save()
    drafted = factories.milestone(yen_target, amount=Decimal(5), unit="JPY", status="draft")
    for milestone in (published, withdrawn):
        url = reverse("admin:commitments_milestone_delete", args=[milestone.pk])
        assert admin_client.post(url, {"post": "yes"}).status_code == 403
    # Only a draft goes, and only for someone with the delete permission (a superuser here).
    url = reverse("admin:commitments_milestone_delete", args=[drafted.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert set(Milestone.objects.all()) == {published, withdrawn}


def test_the_commitment_page_cannot_delete_a_published_milestone(yen_target, admin_client):
    published = factories.milestone(yen_target, amount=Decimal(5), unit="JPY")
    url = reverse("admin:commitments_commitment_change", args=[yen_target.pk])
    data = form_data(admin_client.get(url), "commitment_form")
    assert data["milestones-0-id"] == [str(published.pk)]
    data["milestones-0-DELETE"] = ["on"]  # forged: the box is disabled on the page
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert Milestone.objects.filter(pk=published.pk).exists()


# --- Review before publishing ---------------------------------------------------------------


def test_a_reviewer_publishes_another_persons_draft_with_the_button(
    yen_target, editor_client, reviewer_client, editor, reviewer
):
    milestone = draft(editor_client, yen_target)
    response = press(reviewer_client, milestone, "_publish")
    assert response.status_code == 302, errors_of(response)
    assert any("Published" in message for message in said(response))
    milestone.refresh_from_db()
    assert milestone.status == "published" and milestone.published_at is not None
    assert (milestone.created_by, milestone.updated_by) == (editor, reviewer)
    record = milestone.history.latest()
    assert (record.history_user, record.history_change_reason) == (
        reviewer,
        "Published after review",
    )


def test_a_reviewer_cannot_publish_their_own_draft_unless_the_newsroom_is_one_person(
    yen_target, reviewer_client, settings
):
    milestone = draft(reviewer_client, yen_target)
    response = press(reviewer_client, milestone, "_publish")
    assert "another reviewer" in str(errors_of(response)["status"])
    milestone.refresh_from_db()
    assert milestone.status == "draft"

    settings.EDITORIAL_SINGLE_PERSON = True
    assert press(reviewer_client, milestone, "_publish").status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == "published"


def test_a_reviewer_who_edits_a_draft_leaves_publishing_it_to_another(
    yen_target, editor_client, reviewer_client
):
    milestone = draft(editor_client, yen_target)
    response = press(reviewer_client, milestone, "_publish", title="Retitled by the reviewer")
    assert "another reviewer" in str(errors_of(response)["status"])
    # Saved as a draft, the edit makes the reviewer its last editor: the editor cannot
    # publish, and the reviewer may not publish their own change.
    assert press(reviewer_client, milestone, "_save", title="Retitled").status_code == 302
    response = press(reviewer_client, milestone, "_publish")
    assert "another reviewer" in str(errors_of(response)["status"])


def test_a_browser_sending_line_breaks_its_own_way_is_not_an_edit(
    yen_target, editor, reviewer_client
):
    imported = factories.milestone(
        yen_target, status="draft", created_by=editor, updated_by=editor, amount=5, unit="JPY"
    )
    Milestone.objects.filter(pk=imported.pk).update(description="Line one\nLine two")
    response = press(reviewer_client, imported, "_publish", description="Line one\r\nLine two")
    assert response.status_code == 302, errors_of(response)


def test_publishing_without_a_source_or_before_the_date_says_so_on_the_fields(
    yen_target, editor_client, reviewer_client
):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    milestone = draft(editor_client, yen_target, sources=[], occurred_on=tomorrow)
    response = press(reviewer_client, milestone, "_publish")
    errors = errors_of(response)
    assert set(errors) == {"sources", "occurred_on"}
    assert "Cite at least one source" in str(errors["sources"])
    assert "in the future" in str(errors["occurred_on"])


def test_the_publish_action_reports_what_was_published_and_what_was_refused_and_why(
    yen_target, editor_client, reviewer_client
):
    ready = draft(editor_client, yen_target, title="Ready")
    unsourced = draft(editor_client, yen_target, title="Unsourced", sources=[])
    own = draft(reviewer_client, yen_target, title="Reviewer’s own")
    response = reviewer_client.post(
        changelist_url(),
        {"action": "publish", "_selected_action": [ready.pk, unsourced.pk, own.pk]},
    )
    assert response.status_code == 302
    messages = said(response)
    assert f"Published “{ready}”." in messages
    assert any(f"Not published “{unsourced}”" in m and "source" in m for m in messages)
    assert any(f"Not published “{own}”" in m and "another reviewer" in m for m in messages)
    statuses = dict(Milestone.objects.values_list("title", "status"))
    assert statuses == {"Ready": "published", "Unsourced": "draft", "Reviewer’s own": "draft"}


# --- Withdrawals ----------------------------------------------------------------------------


def test_withdrawing_asks_for_the_reason_readers_will_see(
    yen_target, reviewer_client, django_capture_on_commit_callbacks
):
    published = factories.milestone(yen_target, amount=Decimal("5e11"), unit="JPY")
    with django_capture_on_commit_callbacks(execute=True):
        published.save()
    assert CommitmentProgress.objects.get(commitment=yen_target).achieved_value == Decimal("5e11")

    response = reviewer_client.get(change_url(published))
    assert withdraw_url(published).encode() in response.content
    assert reviewer_client.get(withdraw_url(published)).status_code == 200

    response = reviewer_client.post(withdraw_url(published), {"withdrawal_reason": " ", "apply": 1})
    assert response.status_code == 200
    assert "readers see this reason" in str(response.context["form"].errors["withdrawal_reason"])
    published.refresh_from_db()
    assert published.status == "published"

    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(
            withdraw_url(published),
            {"withdrawal_reason": "The tranche was announced, not disbursed.", "apply": 1},
        )
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.status == "withdrawn"
    correction = Correction.objects.get()
    assert (correction.kind, correction.reason) == (
        "withdrawal",
        "The tranche was announced, not disbursed.",
    )
    assert CommitmentProgress.objects.get(commitment=yen_target).achieved_value == 0
    # Withdrawn is final: nobody edits it any more.
    assert reviewer_client.post(change_url(published), {}).status_code == 403


def test_the_withdraw_action_takes_one_reason_and_refuses_drafts(
    yen_target, editor_client, reviewer_client
):
    published = factories.milestone(yen_target, amount=Decimal(5), unit="JPY", title="Shown")
    drafted = draft(editor_client, yen_target, title="Drafted")
    selected = {"action": "withdraw", "_selected_action": [published.pk, drafted.pk]}
    response = reviewer_client.post(changelist_url(), selected)
    assert response.status_code == 200  # the page that asks for the reason
    assert b'name="withdrawal_reason"' in response.content
    response = reviewer_client.post(
        changelist_url(), selected | {"apply": "1", "withdrawal_reason": "Double-counted."}
    )
    assert response.status_code == 302
    messages = said(response)
    assert any(m.startswith(f"Withdrawn “{published}”") for m in messages)
    assert any(f"Not withdrawn “{drafted}”" in m for m in messages)
    assert dict(Milestone.objects.values_list("title", "status")) == {
        "Shown": "withdrawn",
        "Drafted": "draft",
    }


def test_withdrawing_through_the_status_field_needs_the_reason_on_its_field(
    yen_target, reviewer_client
):
    published = factories.milestone(yen_target, amount=Decimal(5), unit="JPY")
    response = press(reviewer_client, published, "_save", status="withdrawn")
    assert list(errors_of(response)) == ["withdrawal_reason"]
    response = press(
        reviewer_client, published, "_save", status="withdrawn", withdrawal_reason="Misdated."
    )
    assert response.status_code == 302
    assert Correction.objects.get().kind == "withdrawal"


def test_a_published_milestone_is_not_set_back_to_draft(yen_target, reviewer_client):
    published = factories.milestone(yen_target, amount=Decimal(5), unit="JPY")
    response = press(reviewer_client, published, "_save", status="draft")
    assert "withdrawn with a reason" in str(errors_of(response)["status"])


# --- Corrections ----------------------------------------------------------------------------


def test_changing_a_published_figure_needs_a_reason_which_becomes_a_correction(
    yen_target, reviewer_client, reviewer
):
    published = factories.milestone(yen_target, amount=Decimal("5e11"), unit="JPY")
    response = reviewer_client.get(change_url(published))
    assert b'name="change_reason"' in response.content
    assert b"shown to readers as a correction" in response.content

    response = press(reviewer_client, published, "_save", amount="¥450 billion")
    errors = errors_of(response)
    assert list(errors) == ["change_reason"]
    assert "readers see it as a correction" in str(errors["change_reason"])
    assert b"__all__" not in response.content and b"errornote" in response.content
    published.refresh_from_db()
    assert published.amount == Decimal("5e11")

    response = press(
        reviewer_client,
        published,
        "_save",
        amount="¥450 billion",
        change_reason="The ministry revised the figure.",
    )
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.amount == Decimal("4.5e11")
    correction = Correction.objects.get()
    assert correction.kind == "correction" and correction.made_by == reviewer
    assert correction.changes == [{"field": "amount", "old": "¥500 billion", "new": "¥450 billion"}]
    assert published.history.latest().history_change_reason == "The ministry revised the figure."


def test_a_change_that_readers_do_not_see_as_a_figure_needs_no_reason(yen_target, reviewer_client):
    published = factories.milestone(yen_target, amount=Decimal(5), unit="JPY")
    response = press(reviewer_client, published, "_save", title="A clearer title")
    assert response.status_code == 302
    assert not Correction.objects.exists()


def test_the_inline_on_the_commitment_page_leaves_corrections_to_the_milestone_page(
    yen_target, reviewer_client
):
    published = factories.milestone(yen_target, amount=Decimal(5), unit="JPY")
    url = reverse("admin:commitments_commitment_change", args=[yen_target.pk])
    data = form_data(reviewer_client.get(url), "commitment_form")
    assert "milestones-0-amount" not in data  # disabled: shown, not submitted
    data["milestones-0-amount"] = ["999"]
    assert reviewer_client.post(url, data).status_code == 302
    published.refresh_from_db()
    assert published.amount == 5


# --- Figures as people write them -----------------------------------------------------------


@pytest.mark.parametrize(
    "typed, value, unit",
    [
        ("¥500 billion", Decimal("500000000000"), "JPY"),
        ("2.5 trillion yen", Decimal("2500000000000"), "JPY"),
        ("₹5,000 crore", Decimal("50000000000"), "INR"),
        ("$1.2bn", Decimal("1200000000"), "USD"),
        ("12,34,567", Decimal("1234567"), "JPY"),
    ],
)
def test_an_amount_typed_as_people_write_it_fills_the_unit(
    yen_target, editor_client, typed, value, unit
):
    unit_typed = "" if typed != "12,34,567" else "JPY"
    milestone = draft(editor_client, yen_target, amount=typed, unit=unit_typed)
    assert (milestone.amount, milestone.unit) == (value, unit)


def test_an_amount_that_disagrees_with_its_unit_is_refused_on_the_amount(yen_target, editor_client):
    data = milestone_post(yen_target, amount="₹5,000 crore", unit="JPY")
    errors = errors_of(editor_client.post(reverse(ADD), data))
    assert list(errors) == ["amount"]
    assert "INR" in str(errors["amount"]) and "JPY" in str(errors["amount"])


def test_an_unreadable_amount_is_refused_with_an_example_that_reads(yen_target, editor_client):
    data = milestone_post(yen_target, amount="about 5 crore", unit="")
    errors = errors_of(editor_client.post(reverse(ADD), data))
    assert "Write it like" in str(errors["amount"])


def test_preview_shows_what_was_understood_and_saves_nothing(yen_target, editor_client):
    data = milestone_post(yen_target, amount="¥500 billion", unit="") | {"_preview": "Preview"}
    response = editor_client.post(reverse(ADD), data)
    assert response.status_code == 200
    assert not response.context["adminform"].form.errors
    understood = "Understood: ¥500 billion (¥500,000,000,000) = 5% of the target (¥10 trillion)."
    assert understood in said(response)
    assert b"Please correct" not in response.content
    assert b'value="\xc2\xa5500 billion"' in response.content  # shown again as typed
    assert not Milestone.objects.exists()


def test_preview_of_another_currency_says_it_is_converted_where_it_counts(
    yen_target, editor_client
):
    data = milestone_post(yen_target, amount="$1.2bn", unit="") | {"_preview": "Preview"}
    (message,) = said(editor_client.post(reverse(ADD), data))
    assert message.startswith("Understood: $1.2 billion ($1,200,000,000); converted to JPY")


def test_saving_an_unchanged_form_keeps_the_exact_amount(yen_target, editor_client):
    milestone = draft(editor_client, yen_target, amount="1234567.8912", unit="JPY")
    assert press(editor_client, milestone, "_save").status_code == 302
    milestone.refresh_from_db()
    assert milestone.amount == Decimal("1234567.8912")


def test_the_commitment_target_reads_the_same_way(editor_client):
    usd = commitment()
    url = reverse("admin:commitments_commitment_change", args=[usd.pk])
    data = form_data(editor_client.get(url), "commitment_form")
    data |= {"target_value": ["₹5,000 crore"], "target_unit": [""]}
    assert editor_client.post(url, data).status_code == 302
    usd.refresh_from_db()
    assert (usd.target_value, usd.target_unit) == (Decimal("5e10"), "INR")


def test_lists_show_targets_and_amounts_in_human_units(yen_target, editor_client):
    factories.milestone(yen_target, amount=Decimal("5.87e11"), unit="JPY")
    response = editor_client.get(changelist_url())
    assert "¥587 billion" in response.content.decode()
    response = editor_client.get(reverse("admin:commitments_commitment_changelist"))
    page = response.content.decode()
    assert "¥10 trillion" in page and "10000000000000" not in page


# --- Every database rule answers on its field -----------------------------------------------


def commitment_case(client, changes):
    url = reverse("admin:commitments_commitment_change", args=[commitment().pk])
    data = form_data(client.get(url), "commitment_form")
    return url, data | {name: [value] for name, value in changes.items()}


def milestone_case(client, changes):
    data = milestone_post(commitment(target_unit="JPY"), [factories.source()]) | changes
    return reverse(ADD), data


def deliverable_milestone_case(client, changes):
    deliverable = commitment(kind="deliverable", target_value=None, target_unit="")
    data = milestone_post(deliverable, [factories.source()], amount="", unit="", stage="agreed")
    return reverse(ADD), data | changes


def withdrawn_case(client, changes):
    milestone = factories.milestone(commitment(), amount=Decimal(5), unit="USD")
    data = form_data(client.get(change_url(milestone)), "milestone_form")
    return change_url(milestone), data | {name: [value] for name, value in changes.items()}


def rate_case(client, changes):
    ExchangeRate.objects.create(currency="JPY", date="2025-08-29", units_per_usd=147)
    data = {"currency": "INR", "date": "2025-08-29", "units_per_usd": "88", "is_reference": "on"}
    return reverse("admin:commitments_exchangerate_add"), data | changes


def assessment_case(client, changes):
    judged = commitment()
    url = reverse("admin:commitments_commitment_change", args=[judged.pk])
    data = form_data(client.get(url), "commitment_form")
    new = {
        "assessments-TOTAL_FORMS": "1",
        "assessments-0-commitment": str(judged.pk),
        "assessments-0-status": "at_risk",
        "assessments-0-assessed_on": timezone.localdate().isoformat(),
        "assessments-0-reason": "Slow.",
    } | changes
    return url, data | {name: [value] for name, value in new.items()}


# constraint name -> (how to build the page's post, the violating values, field, words)
CONSTRAINT_CASES = {
    "milestone_amount_not_negative": (milestone_case, {"amount": "-5"}, "amount", "negative"),
    "milestone_amount_has_unit": (
        milestone_case,
        {"amount": "5", "unit": ""},
        "unit",
        "Give the unit",
    ),
    "milestone_stage_known": (
        deliverable_milestone_case,
        {"stage": "announced"},
        "stage",
        "valid choice",
    ),
    "milestone_only_evidence_moves": (
        milestone_case,
        {"kind": "planned", "amount": "5", "unit": "JPY"},
        "amount",
        "moves nothing",
    ),
    "milestone_withdrawal_has_reason": (
        withdrawn_case,
        {"status": "withdrawn", "withdrawal_reason": ""},
        "withdrawal_reason",
        "readers see this reason",
    ),
    "commitment_deadline_after_start": (
        commitment_case,
        {"deadline": "2025-01-01"},
        "deadline",
        "after the start date",
    ),
    "commitment_deadline_matches_basis": (
        commitment_case,
        {"deadline_basis": "none"},
        "deadline",
        "Leave the deadline empty",
    ),
    "commitment_target_positive": (
        commitment_case,
        {"target_value": "0"},
        "target_value",
        "more than zero",
    ),
    "commitment_quantitative_has_target": (
        commitment_case,
        {"target_value": ""},
        "target_value",
        "needs a target value",
    ),
    "commitment_deliverable_has_no_target": (
        commitment_case,
        {"kind": "deliverable"},
        "target_value",
        "has no target value",
    ),
    "commitment_weight_at_least_one": (commitment_case, {"weight": "0"}, "weight", "at least 1"),
    "commitment_not_its_own_parent": (commitment_case, {"parent": "self"}, "parent", "part of"),
    "rate_positive": (rate_case, {"units_per_usd": "0"}, "units_per_usd", "more than zero"),
    "rate_not_usd": (rate_case, {"currency": "usd"}, "currency", "USD needs none"),
    "one_rate_per_currency_day": (rate_case, {"currency": "jpy"}, "date", "already a JPY rate"),
    "assessment_status_known": (
        assessment_case,
        {"assessments-0-status": "achieved"},
        "status",
        "valid choice",
    ),
    "assessment_has_reason": (
        assessment_case,
        {"assessments-0-reason": " "},
        "reason",
        "reason a reader can check",
    ),
}


def test_a_rate_corrected_in_the_list_is_checked_on_its_field(editor_client):
    rate = ExchangeRate.objects.create(currency="JPY", date="2025-08-29", units_per_usd=147)
    response = editor_client.post(
        reverse("admin:commitments_exchangerate_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(rate.pk),
            "form-0-units_per_usd": "0",
            "_save": "Save",
        },
    )
    assert response.status_code == 200
    assert "more than zero" in str(response.context["cl"].formset.errors[0]["units_per_usd"])
    assert "Constraint" not in response.content.decode()
    rate.refresh_from_db()
    assert rate.units_per_usd == 147


def test_every_check_constraint_has_a_case_below():
    from django.apps import apps

    names = {
        constraint.name
        for model in apps.get_app_config("commitments").get_models()
        for constraint in model._meta.constraints
    }
    assert names == set(CONSTRAINT_CASES) | {"correction_has_reason"}  # the system writes those


@pytest.mark.parametrize("name", CONSTRAINT_CASES)
def test_a_rule_the_database_enforces_is_answered_on_its_field(name, reviewer_client):
    build, changes, field, words = CONSTRAINT_CASES[name]
    url, data = build(reviewer_client, changes)
    if data.get("parent") == ["self"]:
        data["parent"] = [url.rstrip("/").split("/")[-2]]
    response = reviewer_client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Constraint" not in page and name not in page
    if name.startswith("assessment_"):  # on the assessments inline
        inlines = response.context["inline_admin_formsets"]
        (assessments,) = [i for i in inlines if i.formset.prefix == "assessments"]
        errors = assessments.formset.errors[0]
    else:
        errors = response.context["adminform"].form.errors
    assert words in str(errors.get(field)), errors


# --- The editors' desk ----------------------------------------------------------------------


def desk_url():
    return reverse("admin:desk")


def flag(flagged, **fields):
    """Give a commitment the computed progress the desk reads (quiet, behind, problems)."""
    values = {"as_of": timezone.localdate(), "computed_at": timezone.now(), "progress": 0}
    values |= {"status": "in_progress"} | fields
    CommitmentProgress.objects.update_or_create(commitment=flagged, defaults=values)


def test_the_admin_index_leads_to_the_desk(editor_client):
    response = editor_client.get(reverse("admin:index"))
    assert desk_url().encode() in response.content
    assert editor_client.get(desk_url()).status_code == 200


def test_the_desk_lists_what_waits_for_an_editor(
    yen_target, editor_client, reviewer_client, reviewer
):
    waiting = draft(editor_client, yen_target, title="Waiting for review")
    titles = ("Quiet", "Overdue", "Off track", "Uncounted")
    quiet, overdue, off_track, uncounted = (commitment(title=title) for title in titles)
    flag(quiet, quiet=True)
    flag(overdue, status="overdue")
    flag(off_track, status="off_track")
    flag(uncounted, problems=["Milestone 7 is not counted: no JPY rate on 1 Sep 2025."])
    flag(yen_target)  # nothing to see
    unsourced = factories.milestone(yen_target, sources=[], amount=Decimal(5), unit="JPY")
    mine = draft(reviewer_client, yen_target, title="The reviewer’s own")

    response = reviewer_client.get(desk_url())
    desk = response.context["desk"]
    assert desk.drafts == [waiting, mine]
    assert (desk.quiet, desk.behind, desk.uncounted) == ([quiet], [off_track, overdue], [uncounted])
    assert desk.unsourced == [unsourced]
    page = response.content.decode()
    assert f'href="{change_url(waiting)}"' in page and ">ed<" in page
    assert reverse("admin:commitments_commitment_change", args=[quiet.pk]) in page
    assert "no JPY rate on 1 Sep 2025" in page
    assert f'href="{change_url(unsourced)}"' in page
    # Changes by others: the editor's draft, and the factory's shell saves; not the reviewer's.
    changes = desk.changes
    assert any(r.history_user and r.history_user.username == "ed" for r in changes)
    assert not any(r.history_user == reviewer for r in changes)
    history = reverse("admin:commitments_milestone_history", args=[waiting.pk])
    assert history in page


# Session, user, whether it has an authenticator, its two kinds of permission; then the
# desk: drafts, flagged commitments, unsourced milestones, and the two history tables.
DESK_QUERIES = 10


def test_the_desk_reads_in_a_fixed_number_of_queries(
    editor, reviewer_client, django_assert_num_queries
):
    def add(n):
        for _ in range(n):
            flagged = commitment()
            flag(flagged, quiet=True, status="overdue", problems=["Milestone 1 names no stage."])
            drafted = factories.milestone(
                flagged, status="draft", created_by=editor, amount=1, unit="USD"
            )
            drafted._history_user = editor  # a change by someone else, with a user to show
            drafted.save()
            factories.milestone(flagged, sources=[], amount=Decimal(1), unit="USD")

    add(1)
    with django_assert_num_queries(DESK_QUERIES):
        assert reviewer_client.get(desk_url()).status_code == 200
    add(6)
    with django_assert_num_queries(DESK_QUERIES):
        response = reviewer_client.get(desk_url())
    desk = response.context["desk"]
    assert len(desk.drafts) == len(desk.unsourced) == len(desk.behind) == 7
    assert any(record.history_user == editor for record in desk.changes)
