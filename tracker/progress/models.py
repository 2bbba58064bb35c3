"""Stored rollups: the public reads these, never a computation on request."""

from django.db import models

from tracker.commitments.models import Assessment, Commitment, Pillar
from tracker.methodology import vocabulary as v

STATUS_CHOICES = v.choices(v.STATUS_LABELS, v.STATUSES)
COMPUTED_STATUS_CHOICES = v.choices(v.STATUS_LABELS, v.COMPUTED_STATUSES)
STAGE_CHOICES = v.choices(v.STAGE_LABELS, v.STAGES)


class CommitmentProgress(models.Model):
    """The current progress of one commitment."""

    commitment = models.OneToOneField(
        Commitment, on_delete=models.CASCADE, primary_key=True, related_name="progress"
    )
    as_of = models.DateField()
    computed_at = models.DateTimeField()
    achieved_value = models.DecimalField(max_digits=28, decimal_places=4, null=True, blank=True)
    # A deliverable's progress is its stage's fraction, used only inside rollups.
    progress = models.DecimalField(max_digits=16, decimal_places=6)
    stage = models.CharField(max_length=12, choices=STAGE_CHOICES, blank=True)
    # Null where no straight path can be drawn (a deliverable, or no start or deadline).
    expected_progress = models.DecimalField(max_digits=8, decimal_places=6, null=True, blank=True)
    # What the public sees: the latest assessment's status, else the computed one.
    status = models.CharField(max_length=16, choices=STATUS_CHOICES)
    computed_status = models.CharField(
        max_length=16, choices=COMPUTED_STATUS_CHOICES, default=v.NO_EVIDENCE
    )
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    newer_evidence = models.BooleanField(
        default=False, help_text="Evidence dated after the latest assessment has arrived."
    )
    counted_milestones = models.PositiveIntegerField(default=0)
    last_evidence_on = models.DateField(null=True, blank=True)
    quiet = models.BooleanField(
        default=False, help_text="No evidence for longer than EVIDENCE_QUIET_DAYS."
    )
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "commitment progress"

    def __str__(self):
        return f"{self.commitment}: {self.progress:.1%} ({self.status}) as of {self.as_of}"


class RollupMarkQuerySet(models.QuerySet):
    def behind(self):
        return self.filter(version__gt=models.F("done_version"))


class RollupMark(models.Model):
    """How many changes a commitment's source rows have had, and how many its stored
    figures reflect.

    Every change bumps `version` in the same transaction as the change, so no save goes
    unnoticed whatever happens to the broker or a worker afterwards. A recompute reads the
    version before it reads the source rows, and stores its result (and sets `done_version`)
    only if the version is unchanged when it writes; a change in between leaves the
    commitment behind for a later recompute, so racing recomputes never keep an older
    answer. Rows are never deleted, so a version never repeats.
    """

    commitment = models.OneToOneField(
        Commitment, on_delete=models.CASCADE, primary_key=True, related_name="rollup_mark"
    )
    version = models.PositiveBigIntegerField(default=0)
    done_version = models.PositiveBigIntegerField(default=0)
    # When the figures fell behind (null when up to date): the health check reports the oldest.
    marked_at = models.DateTimeField(null=True, blank=True)

    objects = RollupMarkQuerySet.as_manager()

    class Meta:
        verbose_name = "rollup mark"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done_version__lte=models.F("version")),
                name="rollup_done_version_not_ahead",
            )
        ]

    def __str__(self):
        if self.marked_at is None:
            return f"{self.commitment}: up to date"
        return f"{self.commitment}: behind since {self.marked_at:%Y-%m-%d %H:%M} UTC"

    @property
    def is_behind(self):
        return self.version > self.done_version


class CommitmentProgressHistory(models.Model):
    """Progress of a commitment on a past day, for charts: one row per commitment and day."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="progress_history"
    )
    as_of = models.DateField()
    achieved_value = models.DecimalField(max_digits=28, decimal_places=4, null=True, blank=True)
    progress = models.DecimalField(max_digits=16, decimal_places=6)
    stage = models.CharField(max_length=12, choices=STAGE_CHOICES, blank=True)
    expected_progress = models.DecimalField(max_digits=8, decimal_places=6, null=True, blank=True)
    status = models.CharField(max_length=16, choices=COMPUTED_STATUS_CHOICES)

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
    # The progress index: weighted mean of capped progress and stage fractions.
    progress = models.DecimalField(max_digits=16, decimal_places=6)
    status_counts = models.JSONField(default=dict)
    stage_counts = models.JSONField(default=dict)
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
