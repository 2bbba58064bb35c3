"""One FilterSet for the public list and the JSON API, so both filter the same way."""

import django_filters
from django.db.models import Q

from tracker.commitments.models import Agreement, Commitment, Meeting, Pillar
from tracker.methodology import vocabulary as v

from .models import STAGE_CHOICES, STATUS_CHOICES


class CommitmentFilter(django_filters.FilterSet):
    pillar = django_filters.ModelChoiceFilter(
        queryset=Pillar.objects.all(),
        to_field_name="slug",
        label="Pillar",
        empty_label="Any pillar",
    )
    agreement = django_filters.ModelChoiceFilter(
        queryset=Agreement.objects.all(),
        to_field_name="slug",
        label="Agreement",
        empty_label="Any agreement",
    )
    status = django_filters.ChoiceFilter(
        field_name="progress__status",
        choices=STATUS_CHOICES,
        label="Status",
        empty_label="Any status",
    )
    stage = django_filters.ChoiceFilter(
        field_name="progress__stage",
        choices=STAGE_CHOICES,
        label="Stage (deliverables)",
        empty_label="Any stage",
    )
    kind = django_filters.ChoiceFilter(
        choices=v.choices(v.KINDS), label="Kind", empty_label="Any kind"
    )
    deadline_basis = django_filters.ChoiceFilter(
        choices=v.choices(v.DEADLINE_BASES), label="Deadline", empty_label="Any deadline"
    )
    meeting = django_filters.ModelChoiceFilter(
        queryset=Meeting.objects.all(),
        to_field_name="slug",
        label="First made at",
        empty_label="Any meeting",
    )
    promised_by = django_filters.ChoiceFilter(
        choices=Commitment.Side.choices, label="Promised by", empty_label="Either side or both"
    )
    q = django_filters.CharFilter(method="search", label="Search", max_length=200)
    sort = django_filters.OrderingFilter(
        fields=(("deadline", "deadline"), ("progress__progress", "progress"), ("title", "title")),
        label="Sort by",
        empty_label="Pillar, then title",
    )

    class Meta:
        model = Commitment
        fields = [
            "pillar",
            "agreement",
            "status",
            "stage",
            "kind",
            "deadline_basis",
            "meeting",
            "promised_by",
            "q",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(summary__icontains=value)
            | Q(slug__icontains=value)
            | Q(responsible_india__icontains=value)
            | Q(responsible_japan__icontains=value)
        )
