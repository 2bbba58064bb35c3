"""Shared shape of the CSV import commands: read a file, import all rows or none."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.commitments.imports import ImportFailed


class CsvImportCommand(BaseCommand):
    importer = None  # a function from tracker.commitments.imports
    noun = "rows"

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to a UTF-8 CSV file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row and write nothing"
        )

    def handle(self, *args, file, dry_run=False, **options):
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from error
        try:
            result = self.importer(data, dry_run=dry_run)
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"Nothing imported: {len(failure.errors)} bad row(s) in {file}."
            ) from failure
        verb = "Would import" if dry_run else "Imported"
        updated = f", updated {result.updated}" if result.updated else ""
        self.stdout.write(self.style.SUCCESS(f"{verb} {result.created} {self.noun}{updated}."))
