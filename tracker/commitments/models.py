"""What India and Japan promised, and the evidence of what has happened since."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tracker.methodology import vocabulary as v
from tracker.methodology.units import is_currency, normalize_unit, units_add_up


class SavedWithItsRollupMark(models.Model):
    """Saves in one transaction with its signal handlers, which mark the rollups it affects
    stale: in autocommit (the shell, a script) a crash between the two would otherwise
    leave a saved row whose figures nobody knows are behind."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            super().save(*args, **kwargs)


class Source(models.Model):
    """One quoted sentence from a published article: the evidence a fact rests on.

    Several sources may share an article (and its url); each carries its own excerpt.
    """

    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    published_on = models.DateField(null=True, blank=True)
    excerpt = models.TextField(
        blank=True,
        help_text="The sentence the fact rests on, quoted exactly. Empty until someone quotes "
        "it (a CSV import brings only the article): pages then say no sentence is quoted.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["title", "id"]

    def __str__(self):
        if not self.excerpt:
            return f"{self.title} (no sentence quoted yet)"
        excerpt = self.excerpt if len(self.excerpt) <= 60 else self.excerpt[:57] + "…"
        return f"{self.title} — “{excerpt}”"


class Pillar(models.Model):
    """A pillar of the Joint Vision, or the security-cooperation group."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=0)
    summary = models.TextField(blank=True)
    in_joint_vision = models.BooleanField(
        default=True,
        help_text="One of the eight pillars of the Joint Vision for the Next Decade.",
    )

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("public:pillar", args=[self.slug])


class Agreement(models.Model):
    """A document signed or adopted at or around the summit."""

    class Kind(models.TextChoices):
        JOINT_VISION = "joint_vision", "Joint vision"
        JOINT_STATEMENT = "joint_statement", "Joint statement"
        DECLARATION = "declaration", "Joint declaration"
        ACTION_PLAN = "action_plan", "Action plan"
        IMPLEMENTING_ARRANGEMENT = "implementing_arrangement", "Implementing arrangement"
        MEMORANDUM = "memorandum", "Memorandum of cooperation or understanding"
        PARTNERSHIP = "partnership", "Partnership or initiative"
        LOAN = "loan", "Loan agreement"
        OTHER = "other", "Other"

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    signed_on = models.DateField(null=True, blank=True)
    summary = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="agreements")

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


class Sector(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Meeting(models.Model):
    """A meeting of the two leaders where commitments were made or reaffirmed."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    held_on = models.DateField(
        null=True, blank=True, help_text="Leave empty when the sources do not give the date."
    )
    date_note = models.CharField(
        max_length=300, blank=True, help_text="How the date is known, or that it is not."
    )
    place = models.CharField(max_length=120, blank=True)
    summary = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="meetings")

    class Meta:
        ordering = [models.F("held_on").asc(nulls_last=True), "name"]

    def __str__(self):
        return self.name


class CommitmentQuerySet(models.QuerySet):
    def with_progress(self):
        """Commitments with what every list shows beside them, in one query."""
        return self.select_related(
            "pillar", "agreement", "meeting", "parent", "progress", "progress__assessment"
        )


class Commitment(SavedWithItsRollupMark):
    class Side(models.TextChoices):
        JOINT = "joint", "Both sides"
        INDIA = "india", "India"
        JAPAN = "japan", "Japan"

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    pillar = models.ForeignKey(Pillar, on_delete=models.PROTECT, related_name="commitments")
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        related_name="commitments",
        null=True,
        blank=True,
        help_text="The document it comes from; empty when no source names one.",
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        related_name="commitments",
        null=True,
        help_text="The meeting where it was first made.",
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
        help_text="A larger commitment this one is part of; its counted amounts add to it too.",
    )
    kind = models.CharField(max_length=16, choices=v.choices(v.KINDS))
    target_value = models.DecimalField(max_digits=24, decimal_places=4, null=True, blank=True)
    target_unit = models.CharField(
        max_length=16,
        blank=True,
        help_text="An ISO 4217 code (JPY, INR, USD) or a counted unit such as “persons”.",
    )
    start_date = models.DateField(
        null=True, blank=True, help_text="The day it was made; empty when no source dates it."
    )
    deadline = models.DateField(null=True, blank=True)
    deadline_basis = models.CharField(
        max_length=8, choices=v.choices(v.DEADLINE_BASES), default=v.ASSUMED
    )
    deadline_words = models.TextField(
        blank=True,
        help_text="Stated: the source’s words (“within five years”). Assumed: why the tracker "
        "uses its own horizon. None: why there is no deadline.",
    )
    weight = models.PositiveSmallIntegerField(default=1)
    promised_by = models.CharField(max_length=8, choices=Side.choices, default=Side.JOINT)
    responsible_india = models.CharField("responsible in India", max_length=300, blank=True)
    responsible_japan = models.CharField("responsible in Japan", max_length=300, blank=True)
    is_headline = models.BooleanField(default=False, help_text="Shown on the dashboard.")
    sectors = models.ManyToManyField(Sector, blank=True, related_name="commitments")
    sources = models.ManyToManyField(Source, related_name="commitments")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[sources])

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["pillar__order", "title"]
        permissions = [("assess_commitment", "Can record an editors’ assessment")]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__isnull=True)
                | Q(start_date__isnull=True)
                | Q(deadline__gt=models.F("start_date")),
                name="commitment_deadline_after_start",
            ),
            models.CheckConstraint(
                condition=Q(deadline_basis=v.NO_DEADLINE, deadline__isnull=True)
                | (~Q(deadline_basis=v.NO_DEADLINE) & Q(deadline__isnull=False)),
                name="commitment_deadline_matches_basis",
            ),
            models.CheckConstraint(
                condition=Q(target_value__isnull=True) | Q(target_value__gt=0),
                name="commitment_target_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind=v.QUANTITATIVE)
                | (Q(target_value__isnull=False) & ~Q(target_unit="")),
                name="commitment_quantitative_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(kind=v.DELIVERABLE) | Q(target_value__isnull=True),
                name="commitment_deliverable_has_no_target",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=1), name="commitment_weight_at_least_one"
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="commitment_not_its_own_parent"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("public:commitment", args=[self.slug])

    @property
    def is_quantitative(self):
        return self.kind == v.QUANTITATIVE

    def clean(self):
        """Editor-facing checks, worded on the field, before the database constraints."""
        errors = {}
        if self.kind == v.QUANTITATIVE:
            if self.target_value is None:
                errors["target_value"] = "A quantitative commitment needs a target value."
            elif self.target_value <= 0:
                errors["target_value"] = "The target must be more than zero."
            if not self.target_unit:
                errors["target_unit"] = "Give the unit of the target, e.g. JPY or persons."
        elif self.kind == v.DELIVERABLE and self.target_value is not None:
            errors["target_value"] = "A deliverable has no target value; leave it empty."
        if self.deadline_basis == v.NO_DEADLINE and self.deadline:
            errors["deadline"] = "Leave the deadline empty, or choose stated or assumed."
        if self.deadline_basis != v.NO_DEADLINE and not self.deadline:
            errors["deadline"] = "Give the deadline, or choose “No deadline”."
        if self.deadline_basis != v.NO_DEADLINE and not self.deadline_words.strip():
            errors["deadline_words"] = (
                "Quote the source’s words, or say why the tracker assumes this deadline."
            )
        if self.deadline and self.start_date and self.deadline <= self.start_date:
            errors["deadline"] = "The deadline must be after the start date."
        if self.parent_id and self.pk:
            ancestor, seen = self.parent, {self.pk}
            while ancestor is not None:
                if ancestor.pk in seen:
                    errors["parent"] = "A commitment cannot be part of itself."
                    break
                seen.add(ancestor.pk)
                ancestor = ancestor.parent
        if errors:
            raise ValidationError(errors)


class MilestoneQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=v.PUBLISHED)

    def sourced(self):
        """Milestones that cite at least one source (the `sourced` flag their links keep)."""
        return self.filter(sourced=True)

    def refresh_sourced(self) -> int:
        """Set `sourced` from the links themselves: whether each milestone cites a source."""
        cites = Milestone.sources.through.objects.filter(milestone_id=OuterRef("pk"))
        return self.update(sourced=Exists(cites))

    def on_record(self, as_of):
        """Shown publicly as having happened (methodology.rules.is_on_record)."""
        return self.published().sourced().exclude(kind=v.PLANNED).filter(occurred_on__lte=as_of)

    def counted(self, as_of):
        """Count towards progress and status (methodology.rules.is_counted)."""
        return self.on_record(as_of).filter(kind=v.EVIDENCE)

    def upcoming(self):
        """Planned events shown on their commitment, never counted."""
        return self.published().sourced().filter(kind=v.PLANNED)


class Milestone(SavedWithItsRollupMark):
    class Status(models.TextChoices):
        DRAFT = v.DRAFT, v.MILESTONE_STATUSES[v.DRAFT]
        PUBLISHED = v.PUBLISHED, v.MILESTONE_STATUSES[v.PUBLISHED]
        WITHDRAWN = v.WITHDRAWN, v.MILESTONE_STATUSES[v.WITHDRAWN]

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="milestones")
    kind = models.CharField(
        max_length=12,
        choices=v.choices(v.MILESTONE_KINDS),
        default=v.EVIDENCE,
        help_text="Evidence counts; a reaffirmation is shown but moves nothing; a planned event "
        "is shown as upcoming and never counts.",
    )
    occurred_on = models.DateField()
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True, help_text="Markdown; sanitized when shown.")
    amount = models.DecimalField(max_digits=24, decimal_places=4, null=True, blank=True)
    unit = models.CharField(max_length=16, blank=True)
    stage = models.CharField(
        max_length=12,
        blank=True,
        choices=v.choices(v.STAGE_LABELS, v.EVIDENCED_STAGES),
        help_text="For a deliverable: the completion stage this evidence shows.",
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="milestones",
        help_text="For a reaffirmation: the meeting that reaffirmed the commitment.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(
        blank=True, help_text="Shown to the public in place of a withdrawn milestone."
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="milestones")
    # Whether it cites a source, kept with the links by tracker.progress.triggers (every
    # change of them, from either side, and a source's deletion) so that reading what
    # counts needs no join of every milestone with every link: that join cost more than
    # the rest of a full recompute.
    sourced = models.BooleanField(default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[sources])

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["commitment", "status", "occurred_on"]),
            # The latest N, newest first, read from the index instead of sorting every
            # milestone: latest evidence (home, pillar pages) and latest publications (feeds).
            models.Index(fields=["status", "occurred_on", "id"], name="milestone_latest_evidence"),
            models.Index(
                fields=["status", "published_at", "id"], name="milestone_latest_published"
            ),
            # What counts (MilestoneQuerySet.counted), with every column the recompute's
            # sums read: they come from the index alone, a fraction of the table's pages.
            models.Index(
                fields=["commitment", "occurred_on"],
                include=["unit", "amount", "stage"],
                condition=Q(status=v.PUBLISHED, kind=v.EVIDENCE, sourced=True),
                name="milestone_counted",
            ),
        ]
        permissions = [("publish_milestone", "Can publish, withdraw and correct milestones")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="milestone_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | ~Q(unit=""),
                name="milestone_amount_has_unit",
            ),
            models.CheckConstraint(
                condition=Q(stage="") | Q(stage__in=v.EVIDENCED_STAGES),
                name="milestone_stage_known",
            ),
            models.CheckConstraint(
                condition=Q(kind=v.EVIDENCE) | (Q(stage="") & Q(amount__isnull=True)),
                name="milestone_only_evidence_moves",
            ),
            models.CheckConstraint(
                condition=~Q(status=v.WITHDRAWN) | ~Q(withdrawal_reason=""),
                name="milestone_withdrawal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.occurred_on:%d %b %Y} — {self.title}"

    def save(self, *args, **kwargs):
        from .corrections import public_changes, record_public_changes

        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        elif self.status == self.Status.DRAFT:
            self.published_at = None
        if self.unit:
            self.unit = normalize_unit(self.unit)
        if self.pk is not None:
            # The links may have changed since this instance was read: never write back a
            # stale flag (a new milestone has no links yet, so False is right).
            self.sourced = self.sources.exists()
        # What the public saw and is about to see differently: checked here so the admin,
        # imports and the shell all leave a correction with a reason.
        changes = public_changes(self)
        super().save(*args, **kwargs)
        record_public_changes(self, changes)
        self._change_reason = ""  # a reason explains one change, not the next

    def clean(self):
        """Editor-facing checks that the database constraints cannot express."""
        errors = {}
        commitment = self.commitment if self.commitment_id else None
        if self.kind != v.EVIDENCE:
            what = "A reaffirmation" if self.kind == v.REAFFIRMED else "A planned event"
            if self.amount is not None:
                errors["amount"] = f"{what} moves nothing; leave the amount empty."
            if self.stage:
                errors["stage"] = f"{what} moves nothing; leave the stage empty."
        elif commitment and commitment.is_quantitative:
            if self.amount is None:
                errors["amount"] = "Evidence towards a target needs the amount it delivered."
            elif self.amount < 0:
                errors["amount"] = "An amount cannot be negative."
            if not self.unit:
                errors["unit"] = f"Give the unit of the amount, e.g. {commitment.target_unit}."
            elif not units_add_up(normalize_unit(self.unit), commitment.target_unit):
                errors["unit"] = (
                    f"{self.unit} cannot be added to a target in {commitment.target_unit}: use "
                    f"{commitment.target_unit} or another currency with an exchange rate."
                    if is_currency(commitment.target_unit)
                    else f"This target counts {commitment.target_unit}; use that unit."
                )
            if self.stage:
                errors["stage"] = "Stages are for deliverables; give the amount instead."
        elif commitment:
            if not self.stage:
                errors["stage"] = "Choose the completion stage this evidence shows."
            if self.amount is not None:
                errors["amount"] = "A deliverable has no target value; leave the amount empty."
        if self.amount is not None and not self.unit and "unit" not in errors:
            errors["unit"] = "An amount needs its unit."
        if self.kind == v.REAFFIRMED and not self.meeting_id:
            errors["meeting"] = "Name the meeting that reaffirmed the commitment."
        if self.status == v.WITHDRAWN and not self.withdrawal_reason.strip():
            errors["withdrawal_reason"] = "Say why it is withdrawn: readers see this reason."
        if errors:
            raise ValidationError(errors)


class Assessment(SavedWithItsRollupMark):
    """An editor's dated judgment of a commitment, with a written reason. Kept, never edited:
    the newest is what the public sees, beside the status the rules compute."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="assessments")
    status = models.CharField(
        max_length=12, choices=v.choices(v.STATUS_LABELS, v.ASSESSED_STATUSES)
    )
    reason = models.TextField(help_text="Why, in words a reader can check against the evidence.")
    assessed_on = models.DateField(default=timezone.localdate)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_on", "-id"]
        get_latest_by = ["assessed_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=v.ASSESSED_STATUSES), name="assessment_status_known"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="assessment_has_reason"),
        ]

    def __str__(self):
        return f"{self.commitment}: {self.get_status_display()} ({self.assessed_on:%d %b %Y})"

    def clean(self):
        if not (self.reason or "").strip():
            raise ValidationError({"reason": "Give the reason a reader can check."})
        if self.assessed_on and self.assessed_on > timezone.localdate():
            raise ValidationError({"assessed_on": "An assessment cannot be dated in the future."})


class ExchangeRate(SavedWithItsRollupMark):
    """How many units of a currency one US dollar buys on a date (USD needs no row)."""

    date = models.DateField()
    currency = models.CharField(max_length=3)
    units_per_usd = models.DecimalField(max_digits=20, decimal_places=6)
    is_reference = models.BooleanField(
        "approximate reference rate",
        default=True,
        help_text="An approximate reference rate; editors should correct it from an official fix.",
    )
    note = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["currency", "-date"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "date"], name="one_rate_per_currency_day"),
            models.CheckConstraint(condition=Q(units_per_usd__gt=0), name="rate_positive"),
            models.CheckConstraint(condition=~Q(currency="USD"), name="rate_not_usd"),
        ]

    def __str__(self):
        return f"{self.currency} {self.units_per_usd} per USD on {self.date:%d %b %Y}"

    def save(self, *args, **kwargs):
        self.currency = self.currency.upper()
        super().save(*args, **kwargs)


class Correction(models.Model):
    """A public note that something published changed: a figure corrected, or a milestone
    withdrawn. Written by the system when it happens, never edited."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        WITHDRAWAL = "withdrawal", "Withdrawal"

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="corrections")
    milestone = models.ForeignKey(
        Milestone, on_delete=models.PROTECT, related_name="corrections", null=True, blank=True
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    made_at = models.DateTimeField(default=timezone.now)
    # [{"field": "amount", "old": "¥500 billion", "new": "¥450 billion"}, ...], as shown.
    changes = models.JSONField(default=list, blank=True)
    reason = models.TextField()
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-made_at", "-id"]
        indexes = [models.Index(fields=["-made_at", "-id"], name="correction_newest_first")]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="correction_has_reason"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.commitment} on {self.made_at:%d %b %Y}"

    def get_absolute_url(self):
        return reverse("public:correction", args=[self.pk])
