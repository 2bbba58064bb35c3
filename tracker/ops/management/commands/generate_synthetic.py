import time

from django.core.management.base import BaseCommand, CommandError

from tracker.commitments.models import Commitment, Pillar
from tracker.ops import synthetic
from tracker.progress import engine


class Command(BaseCommand):
    help = (
        "Fill an empty, migrated database with synthetic commitments, milestones and "
        "subscribers, reproducible by seed (the benchmark's data), then compute the rollups."
    )

    def add_arguments(self, parser):
        parser.add_argument("--commitments", type=int, default=30)
        parser.add_argument("--milestones", type=int, default=1000)
        parser.add_argument("--subscribers", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--no-recompute",
            action="store_true",
            help="leave the rollups uncomputed (the benchmark times the first recompute itself)",
        )

    def handle(self, *args, commitments, milestones, subscribers, seed, no_recompute, **options):
        if min(commitments, milestones, subscribers) < 0 or commitments < 1:
            raise CommandError("Give at least one commitment, and no negative numbers.")
        if Pillar.objects.exists() or Commitment.objects.exists():
            raise CommandError(
                "This database holds pillars or commitments already: generate into an empty, "
                "freshly migrated database."
            )
        started = time.monotonic()
        counts = synthetic.generate(commitments, milestones, subscribers, seed=seed)
        written = time.monotonic() - started
        summary = ", ".join(f"{n} {label}" for label, n in sorted(counts.items()))
        self.stdout.write(f"Wrote {summary} in {written:.1f} s (seed {seed}).")
        if not no_recompute:
            started = time.monotonic()
            engine.recompute()
            self.stdout.write(f"Computed the rollups in {time.monotonic() - started:.1f} s.")
