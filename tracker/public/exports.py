"""Open-data exports: the CSVs the public downloads, in the columns the importers read.

Each file imports back with nothing changed (tracker.commitments.imports defines the columns
and writes the cells). The commitments file adds the computed columns, which the importer
ignores; the milestones file holds only the milestones on record.

The files stream: rows are read as plain values in chunks and written as they come, so
memory stays flat however many rows there are, and no file is ever held whole, in memory or
in the cache.
"""

import csv

from django.conf import settings
from django.db import transaction
from django.http import StreamingHttpResponse
from django.urls import reverse

from tracker.commitments import imports
from tracker.commitments.models import ExchangeRate
from tracker.methodology import vocabulary as v
from tracker.progress import selectors

# Rows fetched from the database at a time: the first fetch is what a reader waits for
# before the download starts (15 ms for 2,000 rows, 4 ms for 500), and more, smaller
# fetches cost little over a whole file.
CHUNK_ROWS = 500
CHUNK_CHARS = 64 * 1024  # text handed to the server at a time


class _Lines:
    """A file for csv.writer whose write() hands the line back instead of keeping it."""

    def write(self, line):
        return line


def csv_chunks(header, rows):
    """The CSV that imports.write_csv writes, in pieces of about CHUNK_CHARS characters."""
    writer = csv.writer(_Lines())
    lines = [writer.writerow(header)]
    size = len(lines[0])
    for row in rows:
        line = writer.writerow([imports.spreadsheet_safe(value) for value in row])
        lines.append(line)
        size += len(line)
        if size >= CHUNK_CHARS:
            yield "".join(lines)
            lines, size = [], 0
    if lines:
        yield "".join(lines)


def in_one_transaction(chunks):
    """Read the rows inside a transaction. In autocommit Django declares PostgreSQL's cursor
    WITH HOLD, which computes every row before handing over the first (0.7 s at 100,000
    milestones before a byte was sent); inside a transaction the rows come as they are read."""
    with transaction.atomic():
        yield from chunks


def csv_response(request, filename, header, rows):
    # A HEAD request gets the headers only, without reading a single row.
    body = in_one_transaction(csv_chunks(header, rows)) if request.method != "HEAD" else iter(())
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


COMPUTED_COLUMNS = [
    "achieved_value", "progress", "stage", "expected_progress", "status", "computed_status",
    "assessment_status", "assessment_reason", "assessed_on", "last_evidence_on", "as_of", "url",
]  # fmt: skip
COMMITMENT_COLUMNS = imports.COMMITMENT_COLUMNS + COMPUTED_COLUMNS


def commitment_rows(values):
    """COMMITMENT_COLUMNS from selectors.commitment_values(): the importer's columns, then
    the stored progress; a commitment not computed yet has empty computed cells."""
    for c, sources in imports.by_record(values):
        yield [
            *imports.commitment_cells(c, sources),
            imports.plain_number(c.progress__achieved_value),
            c.progress__progress if c.kind == v.QUANTITATIVE else "",
            c.progress__stage,
            c.progress__expected_progress,
            c.progress__status,
            c.progress__computed_status,
            c.progress__assessment__status,
            c.progress__assessment__reason,
            c.progress__assessment__assessed_on,
            c.progress__last_evidence_on,
            c.progress__as_of,
            settings.SITE_URL + reverse("public:commitment", args=[c.slug]),
        ]


def export_commitments(request):
    values = selectors.commitment_values().iterator(chunk_size=CHUNK_ROWS)
    return csv_response(request, "commitments.csv", COMMITMENT_COLUMNS, commitment_rows(values))


MILESTONE_COLUMNS = imports.MILESTONE_COLUMNS


def export_milestones(request):
    values = selectors.on_record_milestone_values().iterator(chunk_size=CHUNK_ROWS)
    return csv_response(
        request, "milestones.csv", MILESTONE_COLUMNS, imports.milestone_rows(values)
    )


RATE_COLUMNS = imports.RATE_COLUMNS


def export_exchange_rates(request):
    rates = (
        ExchangeRate.objects.order_by("currency", "date")
        .values_list("date", "currency", "units_per_usd", "is_reference", "note", named=True)
        .iterator(chunk_size=CHUNK_ROWS)
    )
    return csv_response(request, "exchange-rates.csv", RATE_COLUMNS, map(imports.rate_cells, rates))
