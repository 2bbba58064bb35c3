"""What every admin page of the tracker shares: who changed a row, CSV imports, history."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from tracker.methodology.wording import exact_amount

from .. import imports


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
    """“Import CSV” and “Export CSV” on the changelist. The export writes every row in the
    importer's columns, so an editor can change many rows in a spreadsheet and import the
    file back; importing it unchanged changes nothing."""

    change_list_template = "admin/csv_import_change_list.html"
    import_columns: list[str] = []
    # Subclasses also define run_import(request, data, dry_run) and export_rows() -> rows.

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name=f"{name}_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name=f"{name}_export"),
            *super().get_urls(),
        ]

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{opts.model_name}s-all.csv"'
        imports.write_csv(response, self.import_columns, self.export_rows())
        return response

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


# --- History -----------------------------------------------------------------------------


class ReadableChanges(HistoricalRecordContextHelper):
    """A history diff with figures grouped as people read them (5,000,000,000), not as
    stored (5000000000.0000). Units are their own line of the diff, so none is added."""

    FIGURES = {"amount", "target_value"}

    def prepare_delta_change_value(self, change, value):
        if change.field in self.FIGURES and value is not None:
            return exact_amount(value, "")
        return super().prepare_delta_change_value(change, value)


class HistoryAdmin(SimpleHistoryAdmin):
    """The History page lists who changed what, when, why and from which value; a revert
    is saved through the same form and rules as an edit, so it is recorded too."""

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableChanges(self.model, historical_record)


# --- Figures as people write them ---------------------------------------------------------
