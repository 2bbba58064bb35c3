"""What India and Japan promised, and the evidence of what has happened since."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tracker.progress.rules import is_currency, normalize_unit, units_add_up


class Source(models.Model):
    """One quoted sentence from a published article: the evidence a fact rests on.

    Several sources may share an article (and its url); each carries its own excerpt.
    """

    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    published_on = models.DateField(null=True, blank=True)
    excerpt = models.TextField(help_text="The sentence the fact rests on, quoted exactly.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self):
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


class CommitmentQuerySet(models.QuerySet):
    def with_progress(self):
        """Commitments with what every list shows beside them, in one query."""
        return self.select_related("pillar", "agreement", "progress")


class Commitment(models.Model):
    class Kind(models.TextChoices):
        QUANTITATIVE = "quantitative", "Quantitative (a target value)"
        MILESTONE = "milestone", "Milestone (percent complete)"

    class Side(models.TextChoices):
        JOINT = "joint", "Both sides"
        INDIA = "india", "India"
        JAPAN = "japan", "Japan"

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    pillar = models.ForeignKey(Pillar, on_delete=models.PROTECT, related_name="commitments")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="commitments")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    target_value = models.DecimalField(max_digits=24, decimal_places=4, null=True, blank=True)
    target_unit = models.CharField(
        max_length=16,
        blank=True,
        help_text="An ISO 4217 code (JPY, INR, USD) or a counted unit such as “persons”.",
    )
    start_date = models.DateField()
    deadline = models.DateField()
    deadline_basis = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where the deadline comes from, e.g. “five years, per the Action Plan”.",
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

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["pillar__order", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("start_date")),
                name="commitment_deadline_after_start",
            ),
            models.CheckConstraint(
                condition=Q(target_value__isnull=True) | Q(target_value__gt=0),
                name="commitment_target_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind="quantitative")
                | (Q(target_value__isnull=False) & ~Q(target_unit="")),
                name="commitment_quantitative_has_target",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=1), name="commitment_weight_at_least_one"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("public:commitment", args=[self.slug])

    @property
    def is_quantitative(self):
        return self.kind == self.Kind.QUANTITATIVE


class MilestoneQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Milestone.Status.PUBLISHED)

    def counted(self, as_of):
        """Milestones that count towards progress on the as-of date (see progress.rules)."""
        return self.published().filter(occurred_on__lte=as_of)


class Milestone(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="milestones")
    occurred_on = models.DateField()
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True, help_text="Markdown; sanitized when shown.")
    amount = models.DecimalField(max_digits=24, decimal_places=4, null=True, blank=True)
    unit = models.CharField(max_length=16, blank=True)
    percent_complete = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="milestones")
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

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["commitment", "status", "occurred_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="milestone_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(percent_complete__isnull=True)
                | (Q(percent_complete__gte=0) & Q(percent_complete__lte=100)),
                name="milestone_percent_0_100",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | ~Q(unit=""),
                name="milestone_amount_has_unit",
            ),
        ]

    def __str__(self):
        return f"{self.occurred_on:%d %b %Y} — {self.title}"

    def save(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        elif self.status != self.Status.PUBLISHED:
            self.published_at = None
        if self.unit:
            self.unit = normalize_unit(self.unit)
        super().save(*args, **kwargs)

    def clean(self):
        """Editor-facing checks that the database constraints cannot express."""
        errors = {}
        commitment = self.commitment if self.commitment_id else None
        if commitment and commitment.is_quantitative:
            if self.amount is None:
                errors["amount"] = "A quantitative commitment needs an amount on each milestone."
            if not self.unit:
                errors["unit"] = f"Give the unit of the amount, e.g. {commitment.target_unit}."
            if self.unit and not units_add_up(normalize_unit(self.unit), commitment.target_unit):
                errors["unit"] = (
                    f"{self.unit} cannot be added to a target in {commitment.target_unit}: use "
                    f"{commitment.target_unit} or another currency with an exchange rate."
                    if is_currency(commitment.target_unit)
                    else f"This target counts {commitment.target_unit}; use that unit."
                )
            if self.percent_complete is not None:
                errors["percent_complete"] = (
                    "Percent complete is for milestone commitments; give an amount instead."
                )
        elif commitment:
            if self.percent_complete is None:
                errors["percent_complete"] = "A milestone commitment needs a percent complete."
            if self.amount is not None:
                errors["amount"] = "This commitment has no target value; leave the amount empty."
        if errors:
            raise ValidationError(errors)


class ExchangeRate(models.Model):
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
