"""Commitments, with their milestones and assessments inline."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.utils.html import format_html, format_html_join

from tracker.methodology.wording import human_amount

from ..models import (
    Assessment,
    Commitment,
    Milestone,
)
from .base import EditorStampMixin, HistoryAdmin
from .forms import CommitmentForm, MilestoneForm, MilestoneFormSet


class MilestoneInline(admin.TabularInline):
    model = Milestone
    form = MilestoneForm
    formset = MilestoneFormSet
    extra = 0
    fields = ["occurred_on", "kind", "title", "amount", "unit", "stage", "status", "sources"]
    autocomplete_fields = ["sources"]
    show_change_link = True
    ordering = ["-occurred_on", "-id"]

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = self.form.for_request(request, corrects_published=False)
        return super().get_formset(request, obj, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("commitments.delete_milestone")


class AssessmentInline(admin.StackedInline):
    """Editors' assessments: added with a reason, never edited or deleted, so the history
    the public page lists is the whole history."""

    model = Assessment
    extra = 0
    fields = ["status", "assessed_on", "reason", "assessed_by"]
    readonly_fields = ["assessed_by"]
    ordering = ["-assessed_on", "-id"]

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("commitments.assess_commitment")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True


@admin.register(Commitment)
class CommitmentAdmin(EditorStampMixin, HistoryAdmin):
    form = CommitmentForm
    object_history_template = "admin/commitments/commitment/object_history.html"
    list_display = [
        "title",
        "pillar",
        "kind",
        "target_display",
        "deadline",
        "deadline_basis",
        "promised_by",
        "progress_display",
        "status_display",
        "last_evidence",
    ]
    list_filter = [
        "pillar",
        "kind",
        "deadline_basis",
        "meeting",
        "promised_by",
        "is_headline",
        "agreement__kind",
        "progress__status",
        "progress__stage",
    ]
    list_select_related = ["pillar", "progress"]
    search_fields = ["title", "slug", "summary", "responsible_india", "responsible_japan"]
    date_hierarchy = "deadline"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["pillar", "agreement", "parent", "sectors", "sources"]
    readonly_fields = ["progress_summary", "created_at", "updated_at"]
    inlines = [MilestoneInline, AssessmentInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "summary",
                    "pillar",
                    "agreement",
                    "meeting",
                    "is_headline",
                ]
            },
        ),
        ("Target", {"fields": ["kind", "target_value", "target_unit", "parent", "weight"]}),
        ("Dates", {"fields": ["start_date", "deadline", "deadline_basis", "deadline_words"]}),
        (
            "Who is responsible",
            {"fields": ["promised_by", "responsible_india", "responsible_japan", "sectors"]},
        ),
        ("Evidence", {"fields": ["sources"]}),
        ("Progress (computed)", {"fields": ["progress_summary", "created_at", "updated_at"]}),
    ]

    @admin.display(description="target", ordering="target_value")
    def target_display(self, obj):
        return "—" if obj.target_value is None else human_amount(obj.target_value, obj.target_unit)

    @admin.display(description="progress", ordering="progress__progress")
    def progress_display(self, obj):
        progress = getattr(obj, "progress", None)
        if progress is None:
            return "—"
        if not obj.is_quantitative:
            return progress.get_stage_display()
        return f"{progress.progress:.1%}"

    @admin.display(description="last evidence", ordering="progress__last_evidence_on")
    def last_evidence(self, obj):
        progress = getattr(obj, "progress", None)
        return progress.last_evidence_on if progress and progress.last_evidence_on else "none"

    @admin.display(description="status", ordering="progress__status")
    def status_display(self, obj):
        progress = getattr(obj, "progress", None)
        if progress is None:
            return "not computed"
        return progress.get_status_display() + (" ⚠" if progress.problems else "")

    @admin.display(description="computed progress")
    def progress_summary(self, obj):
        progress = getattr(obj, "progress", None) if obj.pk else None
        if progress is None:
            return "Not computed yet."
        problems = format_html_join("", "<li>{}</li>", ((p,) for p in progress.problems))
        return format_html(
            "{} ({}; computed: {}) as of {}; expected {}; {} counted milestone(s).{}",
            f"{progress.progress:.1%}" if obj.is_quantitative else progress.get_stage_display(),
            progress.get_status_display(),
            progress.get_computed_status_display(),
            progress.as_of,
            "—" if progress.expected_progress is None else f"{progress.expected_progress:.1%}",
            progress.counted_milestones,
            format_html("<p><strong>Not counted:</strong></p><ul>{}</ul>", problems)
            if progress.problems
            else "",
        )

    def history_view(self, request, object_id, extra_context=None):
        # Assessments are never edited, so their history is the list of who recorded
        # which judgment when: shown under the commitment they judge.
        assessments = Assessment.history.filter(commitment_id=unquote(object_id))
        extra_context = {
            **(extra_context or {}),
            "assessment_history": assessments.select_related("history_user"),
        }
        return super().history_view(request, object_id, extra_context)

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            if isinstance(obj, Assessment):
                obj.assessed_by = request.user
            else:
                self.stamp(obj, request.user)
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()
