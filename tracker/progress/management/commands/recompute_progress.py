from datetime import date

from django.core.management.base import BaseCommand, CommandError

from tracker.commitments.models import Commitment
from tracker.progress import engine


class Command(BaseCommand):
    help = "Recompute progress rollups now, in this process (all commitments by default)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="YYYY-MM-DD; default today (UTC)")
        parser.add_argument("--commitment", help="the slug of one commitment")

    def handle(self, *args, as_of=None, commitment=None, **options):
        try:
            as_of_date = date.fromisoformat(as_of) if as_of else None
        except ValueError as error:
            raise CommandError(f"--as-of must be a date as YYYY-MM-DD: {error}") from error
        ids = None
        if commitment:
            ids = list(Commitment.objects.filter(slug=commitment).values_list("id", flat=True))
            if not ids:
                raise CommandError(f"No commitment with slug {commitment!r}.")
        count = engine.recompute(ids, as_of_date)
        self.stdout.write(f"Recomputed {count} commitment(s) as of {as_of_date or engine.today()}.")
