"""Stored rollups: the public reads these, never a computation on request."""

from django.db import models

from tracker.commitments.models import Commitment, Pillar

from . import rules

STATUS_CHOICES = [(s, rules.STATUS_LABELS[s]) for s in rules.STATUSES]


class CommitmentProgress(models.Model):
    """The current progress of one commitment."""

    commitment = models.OneToOneField(
        Commitment, on_delete=models.CASCADE, primary_key=True, related_name="progress"
    )
    as_of = models.DateField()
    computed_at = models.DateTimeField()
    achieved_value = models.DecimalField(max_digits=28, decimal_places=4, null=True, blank=True)
    progress = models.DecimalField(max_digits=16, decimal_places=6)
    expected_progress = models.DecimalField(max_digits=8, decimal_places=6)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES)
    counted_milestones = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    # Set when a change could not be queued (broker down); the periodic catch-up clears it.
    stale = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "commitment progress"

    def __str__(self):
        return f"{self.commitment}: {self.progress:.1%} ({self.status}) as of {self.as_of}"


class CommitmentProgressHistory(models.Model):
    """Progress of a commitment on a past day, for charts: one row per commitment and day."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="progress_history"
    )
    as_of = models.DateField()
    achieved_value = models.DecimalField(max_digits=28, decimal_places=4, null=True, blank=True)
    progress = models.DecimalField(max_digits=16, decimal_places=6)
    expected_progress = models.DecimalField(max_digits=8, decimal_places=6)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES)

    class Meta:
        ordering = ["commitment", "as_of"]
        verbose_name_plural = "commitment progress history"
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "as_of"], name="one_history_row_per_commitment_day"
            )
        ]

    def __str__(self):
        return f"{self.commitment} on {self.as_of}: {self.progress:.1%}"


class GroupProgress(models.Model):
    progress = models.DecimalField(max_digits=16, decimal_places=6)
    status_counts = models.JSONField(default=dict)
    commitment_count = models.PositiveIntegerField(default=0)
    as_of = models.DateField()
    computed_at = models.DateTimeField()

    class Meta:
        abstract = True


class PillarProgress(GroupProgress):
    pillar = models.OneToOneField(
        Pillar, on_delete=models.CASCADE, primary_key=True, related_name="progress"
    )

    class Meta:
        verbose_name_plural = "pillar progress"

    def __str__(self):
        return f"{self.pillar}: {self.progress:.1%} as of {self.as_of}"


class OverallProgress(GroupProgress):
    """A single row: the whole tracker."""

    key = models.CharField(max_length=16, primary_key=True, default="overall")

    class Meta:
        verbose_name_plural = "overall progress"

    def __str__(self):
        return f"Overall: {self.progress:.1%} as of {self.as_of}"
