"""Shared shape of the CSV import commands: read a file, import all rows or none."""

from pathlib import Path

from django.contrib.auth import get_user_model
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
        parser.add_argument(
            "--user", help="username the history records as having made the changes"
        )

    def handle(self, *args, file, dry_run=False, user=None, **options):
        if user is not None:
            username, user = user, get_user_model().objects.filter(username=user).first()
            if user is None:
                raise CommandError(f"No user is called {username!r}.")
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from error
        try:
            result = self.importer(data, dry_run=dry_run, user=user)
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"Nothing imported: {len(failure.errors)} bad row(s) in {file}."
            ) from failure
        said = [f"{'Would import' if dry_run else 'Imported'} {result.created} {self.noun}"]
        if result.updated:
            said.append(f"{'would update' if dry_run else 'updated'} {result.updated}")
        if result.unchanged:
            said.append(f"{result.unchanged} unchanged")
        self.stdout.write(self.style.SUCCESS("; ".join(said) + "."))
