"""The editors' workspace: commitments with their milestones, sources and exchange rates."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join

from . import imports
from .models import Agreement, Commitment, ExchangeRate, Milestone, Pillar, Sector, Source

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


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["occurred_on", "title", "amount", "unit", "percent_complete", "status", "sources"]
    autocomplete_fields = ["sources"]
    show_change_link = True
    ordering = ["-occurred_on", "-id"]

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("commitments.delete_milestone")


@admin.register(Commitment)
class CommitmentAdmin(EditorStampMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "pillar",
        "kind",
        "target_display",
        "deadline",
        "promised_by",
        "progress_display",
        "status_display",
    ]
    list_filter = [
        "pillar",
        "kind",
        "promised_by",
        "is_headline",
        "agreement__kind",
        "progress__status",
    ]
    list_select_related = ["pillar", "progress"]
    search_fields = ["title", "slug", "summary", "responsible_india", "responsible_japan"]
    date_hierarchy = "deadline"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["pillar", "agreement", "sectors", "sources"]
    readonly_fields = ["progress_summary", "created_at", "updated_at"]
    inlines = [MilestoneInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "pillar", "agreement", "is_headline"]}),
        ("Target", {"fields": ["kind", "target_value", "target_unit", "weight"]}),
        ("Dates", {"fields": ["start_date", "deadline", "deadline_basis"]}),
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
        return "—" if progress is None else f"{progress.progress:.1%}"

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
            "{} ({}) as of {}; expected {}; {} counted milestone(s).{}",
            f"{progress.progress:.1%}",
            progress.get_status_display(),
            progress.as_of,
            f"{progress.expected_progress:.1%}",
            progress.counted_milestones,
            format_html("<p><strong>Not counted:</strong></p><ul>{}</ul>", problems)
            if progress.problems
            else "",
        )

    def save_formset(self, request, form, formset, change):
        for milestone in formset.save(commit=False):
            self.stamp(milestone, request.user)
            milestone.save()
        for milestone in formset.deleted_objects:
            milestone.delete()
        formset.save_m2m()


@admin.register(Milestone)
class MilestoneAdmin(CsvImportAdminMixin, EditorStampMixin, admin.ModelAdmin):
    import_columns = imports.MILESTONE_COLUMNS

    list_display = [
        "occurred_on",
        "title",
        "commitment",
        "amount",
        "unit",
        "percent_complete",
        "status",
        "updated_by",
    ]
    list_filter = ["status", "commitment__pillar", "unit", "occurred_on"]
    list_select_related = ["commitment", "updated_by"]
    search_fields = ["title", "description", "commitment__title", "commitment__slug"]
    date_hierarchy = "occurred_on"
    autocomplete_fields = ["commitment", "sources"]
    readonly_fields = ["published_at", "created_by", "updated_by", "created_at", "updated_at"]
    fields = [
        "commitment",
        "occurred_on",
        "title",
        "description",
        ("amount", "unit"),
        "percent_complete",
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
