from django.core.management.base import BaseCommand, CommandError

from tracker.ops import snapshots


class Command(BaseCommand):
    help = (
        "Write every row the tracker keeps (data, history, rollups, subscribers, users and "
        "groups) to FILE, gzipped JSON lines, for import_snapshot."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write, e.g. tracker-2026-11-30.jsonl.gz")

    def handle(self, *args, file, **options):
        try:
            counts = snapshots.export(file)
        except (snapshots.SnapshotError, OSError) as error:
            raise CommandError(str(error)) from error
        tables = sum(1 for n in counts.values() if n)
        self.stdout.write(f"Wrote {sum(counts.values())} rows from {tables} tables to {file}.")
