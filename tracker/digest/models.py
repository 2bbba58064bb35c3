"""Readers who asked for the weekly digest, and the record of every digest sent to them."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from tracker.commitments.models import Pillar


class SubscriberQuerySet(models.QuerySet):
    def receiving(self):
        """Subscribers who get the digest: confirmed and not unsubscribed."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


class Subscriber(models.Model):
    email = models.EmailField(unique=True, help_text="Stored in lower case.")
    pillars = models.ManyToManyField(
        Pillar,
        blank=True,
        related_name="+",
        help_text="The pillars this reader follows; none means every pillar.",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["email"]
        constraints = [
            # One row per address whatever its case: the unique index sees lower case only.
            models.CheckConstraint(
                condition=Q(email=Lower("email")), name="subscriber_email_lower_case"
            ),
        ]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def is_receiving(self):
        return self.confirmed_at is not None and self.unsubscribed_at is None


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


class DigestSend(models.Model):
    """One subscriber's digest for one week: claimed before sending, so it is sent once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="sends")
    week = models.DateField(help_text="The Sunday that ends the Monday-to-Sunday week.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week", "-id"]
        verbose_name = "digest send"
        verbose_name_plural = "send log"
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "week"], name="one_digest_per_subscriber_week"
            ),
        ]
        # The log gains a row per reader every week; a run reads only its week's rows.
        indexes = [models.Index(fields=["week", "status"], name="digestsend_week_status")]

    def __str__(self):
        return f"{self.subscriber} · week to {self.week:%d %b %Y} · {self.get_status_display()}"
