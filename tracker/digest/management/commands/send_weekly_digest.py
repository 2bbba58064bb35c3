from datetime import date

from django.core.management.base import BaseCommand, CommandError

from tracker.digest import content, sending


class Command(BaseCommand):
    help = (
        "Send every confirmed subscriber the digest of the latest complete Monday-to-Sunday "
        "week (UTC) on or before the as-of date, at most once per subscriber and week; "
        "failed addresses are retried on a rerun."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            help="YYYY-MM-DD, any day; default yesterday (UTC), the last complete day. "
            "A Sunday names the week it ends, any other day the week that ended the Sunday "
            "before, so every day of the next week reruns the same digest and sends nothing "
            "twice.",
        )

    def handle(self, *args, as_of=None, **options):
        try:
            as_of_date = date.fromisoformat(as_of) if as_of else sending.default_as_of()
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
