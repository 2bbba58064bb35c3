"""The editors' workspace: commitments with their milestones, sources and exchange rates."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from tracker.methodology import vocabulary as v

from . import imports
from .models import (
    Agreement,
    Assessment,
    Commitment,
    ExchangeRate,
    Meeting,
    Milestone,
    Pillar,
    Sector,
    Source,
)

admin.site.site_header = "India–Japan Commitment Tracker"
admin.site.site_title = "Tracker admin"
admin.site.index_title = "Editors’ desk"


class EditorStampMixin:
    """Records who created and last changed each milestone, wherever it is saved."""

    def stamp(self, obj, user):
        if obj.pk is None and obj.created_by_id is None:
            obj.created_by = user
        obj.updated_by = user


class CsvImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8; Excel’s byte-order mark is fine.")
    dry_run = forms.BooleanField(
        required=False, initial=True, label="Dry run: check every row, import nothing"
    )


class CsvImportAdminMixin:
    """An “Import CSV” page on the changelist, all rows or none, with row-numbered errors."""

    change_list_template = "admin/csv_import_change_list.html"
    import_columns: list[str] = []  # subclasses also define run_import(request, data, dry_run)

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_import"
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name=name), *super().get_urls()]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        form = CsvImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            dry_run = form.cleaned_data["dry_run"]
            try:
                result = self.run_import(request, form.cleaned_data["file"].read(), dry_run)
            except imports.ImportFailed as failure:
                errors = failure.errors
                messages.error(request, f"Nothing imported: {len(errors)} bad row(s).")
            else:
                counts = f"{result.created} new, {result.updated} updated"
                if dry_run:
                    messages.info(request, f"Dry run passed: {counts}. Untick “dry run” to import.")
                else:
                    messages.success(request, f"Imported: {counts}.")
                    return redirect(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": f"Import {opts.verbose_name_plural} from CSV",
            "form": form,
            "errors": errors,
            "columns": ",".join(self.import_columns),
        }
        return TemplateResponse(request, "admin/csv_import.html", context)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "publisher", "published_on", "short_excerpt"]
    list_filter = ["publisher", "published_on"]
    search_fields = ["title", "publisher", "url", "excerpt"]
    date_hierarchy = "published_on"

    @admin.display(description="excerpt")
    def short_excerpt(self, obj):
        return obj.excerpt if len(obj.excerpt) <= 90 else obj.excerpt[:87] + "…"


@admin.register(Pillar)
class PillarAdmin(admin.ModelAdmin):
    list_display = ["name", "order", "in_joint_vision", "commitment_count"]
    list_editable = ["order"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_commitments=Count("commitments"))

    @admin.display(description="commitments", ordering="n_commitments")
    def commitment_count(self, obj):
        return obj.n_commitments


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "signed_on"]
    list_filter = ["kind"]
    search_fields = ["title", "slug", "summary"]
    date_hierarchy = "signed_on"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["sources"]


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class MilestoneForm(forms.ModelForm):
    """The evidence rules, said on the field: nothing is published without a source, and
    nothing that has not happened yet is published as evidence (note it as planned)."""

    class Meta:
        model = Milestone
        fields = [
            "commitment", "kind", "occurred_on", "title", "description", "amount", "unit",
            "stage", "meeting", "status", "sources",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") != v.PUBLISHED:
            return cleaned
        if "sources" in self.fields and not cleaned.get("sources"):
            self.add_error("sources", "Cite at least one source before publishing.")
        occurred_on = cleaned.get("occurred_on")
        if occurred_on and occurred_on > timezone.localdate() and cleaned.get("kind") != v.PLANNED:
            self.add_error(
                "occurred_on",
                "This date is in the future: publish it as a planned milestone, or wait "
                "until it has happened.",
            )
        return cleaned


class MilestoneInline(admin.TabularInline):
    model = Milestone
    form = MilestoneForm
    extra = 0
    fields = ["occurred_on", "kind", "title", "amount", "unit", "stage", "status", "sources"]
    autocomplete_fields = ["sources"]
    show_change_link = True
    ordering = ["-occurred_on", "-id"]

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


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["name", "held_on", "date_note", "place"]
    search_fields = ["name", "slug", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["sources"]


@admin.register(Commitment)
class CommitmentAdmin(EditorStampMixin, admin.ModelAdmin):
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

    @admin.display(description="target")
    def target_display(self, obj):
        if obj.target_value is None:
            return "—"
        return f"{obj.target_value.normalize():,f} {obj.target_unit}"

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


@admin.register(Milestone)
class MilestoneAdmin(CsvImportAdminMixin, EditorStampMixin, admin.ModelAdmin):
    import_columns = imports.MILESTONE_COLUMNS
    form = MilestoneForm

    list_display = [
        "occurred_on",
        "title",
        "commitment",
        "kind",
        "amount",
        "unit",
        "stage",
        "status",
        "updated_by",
    ]
    list_filter = ["status", "kind", "stage", "commitment__pillar", "unit", "occurred_on"]
    list_select_related = ["commitment", "updated_by"]
    search_fields = ["title", "description", "commitment__title", "commitment__slug"]
    date_hierarchy = "occurred_on"
    autocomplete_fields = ["commitment", "sources"]
    readonly_fields = ["published_at", "created_by", "updated_by", "created_at", "updated_at"]
    fields = [
        "commitment",
        "kind",
        "occurred_on",
        "title",
        "description",
        ("amount", "unit"),
        "stage",
        "meeting",
        "status",
        "sources",
        "published_at",
        ("created_by", "created_at"),
        ("updated_by", "updated_at"),
    ]

    def save_model(self, request, obj, form, change):
        self.stamp(obj, request.user)
        super().save_model(request, obj, form, change)

    def run_import(self, request, data, dry_run):
        return imports.import_milestones(data, dry_run=dry_run, user=request.user)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(CsvImportAdminMixin, admin.ModelAdmin):
    import_columns = imports.RATE_COLUMNS

    list_display = ["currency", "date", "units_per_usd", "is_reference", "note"]
    list_editable = ["units_per_usd"]
    list_filter = ["currency", "is_reference"]
    search_fields = ["currency", "note"]
    date_hierarchy = "date"

    def run_import(self, request, data, dry_run):
        return imports.import_rates(data, dry_run=dry_run)
