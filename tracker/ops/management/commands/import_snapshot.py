from django.core.management.base import BaseCommand, CommandError

from tracker.ops import snapshots


class Command(BaseCommand):
    help = (
        "Load a snapshot written by export_snapshot into this database, all or nothing. The "
        "database must be at the snapshot's migrations and hold no data of its own, unless "
        "--replace is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete everything the database holds (with its sessions and admin log) first",
        )

    def handle(self, *args, file, replace=False, **options):
        try:
            header = snapshots.read_header(file)
            counts = snapshots.load(file, replace=replace)
        except snapshots.SnapshotError as error:
            raise CommandError(f"{error}\nNothing was changed.") from error
        tables = sum(1 for n in counts.values() if n)
        self.stdout.write(
            f"Loaded {sum(counts.values())} rows into {tables} tables from {file} "
            f"(taken {header.get('created_at', 'at an unknown time')})."
        )
