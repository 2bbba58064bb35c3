from datetime import date

from django.core.management.base import BaseCommand, CommandError

from tracker.digest import content, sending
from tracker.progress.engine import today


class Command(BaseCommand):
    help = (
        "Send every confirmed subscriber the digest of the seven days ending on the as-of "
        "date, at most once per subscriber and week; failed addresses are retried on a rerun."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            help="YYYY-MM-DD, the last day of the week; default today (UTC). The weekly beat "
            "uses yesterday: pass that Sunday to rerun its week.",
        )

    def handle(self, *args, as_of=None, **options):
        try:
            as_of_date = date.fromisoformat(as_of) if as_of else today()
        except ValueError as error:
            raise CommandError(f"--as-of must be a date as YYYY-MM-DD: {error}") from error
        report = sending.send_weekly_digest(as_of_date)
        self.stdout.write(
            f"Digest for {content.window_for(as_of_date).label}: {report.sent} sent, "
            f"{report.failed} failed, {report.skipped} already sent or in progress, "
            f"{report.nothing_new} with nothing new."
        )
        for error in report.errors:
            self.stderr.write(f"Failed: {error}")
