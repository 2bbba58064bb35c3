"""Open-data exports: the CSVs the public downloads, in the columns the importers read.

Each file imports back with nothing changed (tracker.commitments.imports defines the columns
and writes the cells). The commitments file adds the computed columns, which the importer
ignores; the milestones file holds only the milestones on record.
"""

from django.conf import settings
from django.http import HttpResponse

from tracker.commitments import imports
from tracker.commitments.models import ExchangeRate
from tracker.progress import selectors

from .caching import cached_page


def csv_response(filename, header, rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    imports.write_csv(response, header, rows)
    return response


COMPUTED_COLUMNS = [
    "achieved_value", "progress", "stage", "expected_progress", "status", "computed_status",
    "assessment_status", "assessment_reason", "assessed_on", "last_evidence_on", "as_of", "url",
]  # fmt: skip
COMMITMENT_COLUMNS = imports.COMMITMENT_COLUMNS + COMPUTED_COLUMNS


def commitment_row(c):
    p = getattr(c, "progress", None)
    a = p.assessment if p else None
    return [
        *imports.commitment_cells(c),
        *(
            (imports.plain_number(p.achieved_value), p.progress if c.is_quantitative else "")
            + (p.stage, p.expected_progress, p.status, p.computed_status)
            if p
            else ("",) * 6
        ),
        *((a.status, a.reason, a.assessed_on) if a else ("", "", "")),
        p.last_evidence_on if p else "",
        p.as_of if p else "",
        settings.SITE_URL + c.get_absolute_url(),
    ]


@cached_page
def export_commitments(request):
    rows = (commitment_row(c) for c in selectors.commitments().prefetch_related("sources"))
    return csv_response("commitments.csv", COMMITMENT_COLUMNS, rows)


MILESTONE_COLUMNS = imports.MILESTONE_COLUMNS


@cached_page
def export_milestones(request):
    milestones = selectors.on_record_milestones().order_by("occurred_on", "id")
    rows = (imports.milestone_cells(m) for m in milestones)
    return csv_response("milestones.csv", MILESTONE_COLUMNS, rows)


RATE_COLUMNS = imports.RATE_COLUMNS


def export_exchange_rates(request):
    # Not cached: a rate for a currency no commitment uses changes no rollup, so it would
    # not drop the cached page; the table is small.
    rates = ExchangeRate.objects.order_by("currency", "date")
    return csv_response("exchange-rates.csv", RATE_COLUMNS, map(imports.rate_cells, rates))
