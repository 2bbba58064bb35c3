"""Exchange rates, corrected from official fixes."""

from django.contrib import admin

from .. import imports
from ..models import (
    ExchangeRate,
)
from .base import CsvImportAdminMixin, HistoryAdmin
from .forms import ExchangeRateForm


@admin.register(ExchangeRate)
class ExchangeRateAdmin(CsvImportAdminMixin, HistoryAdmin):
    import_columns = imports.RATE_COLUMNS
    form = ExchangeRateForm

    list_display = ["currency", "date", "units_per_usd", "is_reference", "note"]
    list_editable = ["units_per_usd"]
    list_filter = ["currency", "is_reference"]
    search_fields = ["currency", "note"]
    date_hierarchy = "date"

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=ExchangeRateForm, **kwargs)

    def run_import(self, request, data, dry_run):
        return imports.import_rates(data, dry_run=dry_run)

    def export_rows(self):
        return (imports.rate_cells(r) for r in ExchangeRate.objects.order_by("currency", "date"))
