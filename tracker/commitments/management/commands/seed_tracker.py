from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from tracker.commitments.models import Pillar

SEED_FIXTURES = [
    str(settings.BASE_DIR / "fixtures" / f"{name}.json")
    for name in (
        "sources",
        "meetings",
        "pillars",
        "sectors",
        "agreements",
        "commitments",
        "milestones",
    )
]


class Command(BaseCommand):
    help = "Load the 2025 summit fixtures into an empty database (does nothing if already seeded)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="reload even if data exists (overwrites by id)"
        )

    def handle(self, *args, force=False, **options):
        if Pillar.objects.exists() and not force:
            self.stdout.write("Already seeded; leaving editors' data as it is.")
            return
        with transaction.atomic():
            call_command("loaddata", *SEED_FIXTURES, verbosity=0)
        self.stdout.write(self.style.SUCCESS("Loaded the 2025 summit fixtures."))
