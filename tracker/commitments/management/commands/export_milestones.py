"""Write milestones as CSV, in the columns import_milestones reads: the editors' round trip."""

import io
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from tracker.commitments.imports import (
    MILESTONE_COLUMNS,
    milestone_rows,
    milestone_values,
    write_csv,
)
from tracker.commitments.models import Milestone


class Command(BaseCommand):
    help = (
        "Write milestones as CSV, in the columns import_milestones reads. By default only "
        "those on record, as /export/milestones.csv; --all writes every milestone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            dest="everything",
            help="every milestone: drafts, planned and withdrawn ones too",
        )
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, everything=False, output=None, **options):
        milestones = Milestone.objects.all()
        if not everything:
            # The engine's as-of day (today in UTC), as the public export uses.
            milestones = milestones.on_record(timezone.now().date())
        rows = milestone_rows(milestone_values(milestones).iterator(chunk_size=2000))
        if output:
            with Path(output).open("w", newline="", encoding="utf-8") as file:
                write_csv(file, MILESTONE_COLUMNS, rows)
            return
        buffer = io.StringIO(newline="")
        write_csv(buffer, MILESTONE_COLUMNS, rows)
        self.stdout.write(buffer.getvalue(), ending="")
