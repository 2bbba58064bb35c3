from datetime import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tracker.commitments.models import (
    Assessment,
    Commitment,
    Correction,
    Meeting,
    Milestone,
    Pillar,
    Source,
)
from tracker.methodology import vocabulary as v
from tracker.progress import selectors
from tracker.progress.models import OverallProgress


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["title", "publisher", "url", "published_on", "excerpt"]


class MeetingSerializer(serializers.ModelSerializer):
    held_on = serializers.DateField(
        allow_null=True, help_text="Null when the sources do not give the date."
    )

    class Meta:
        model = Meeting
        fields = ["slug", "name", "held_on", "date_note", "place"]


class AssessmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assessment
        fields = ["status", "reason", "assessed_on"]


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class CorrectionSerializer(serializers.ModelSerializer):
    changes = ChangeSerializer(many=True, read_only=True)
    milestone = serializers.CharField(source="milestone.title", read_only=True, allow_null=True)

    class Meta:
        model = Correction
        fields = ["kind", "made_at", "milestone", "changes", "reason"]


class MilestoneSerializer(serializers.ModelSerializer):
    sources = SourceSerializer(many=True, read_only=True)
    meeting = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Milestone
        fields = ["occurred_on", "kind", "title", "amount", "unit", "stage", "meeting", "sources"]


def progress_field(name, field_class=serializers.FloatField, **kwargs):
    return field_class(source=f"progress.{name}", read_only=True, allow_null=True, **kwargs)


class CommitmentSerializer(serializers.ModelSerializer):
    pillar = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    agreement = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    meeting = MeetingSerializer(read_only=True, allow_null=True)
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    achieved_value = serializers.DecimalField(
        source="progress.achieved_value",
        max_digits=28,
        decimal_places=4,
        read_only=True,
        allow_null=True,
    )
    progress = serializers.SerializerMethodField(
        help_text="Achieved ÷ target for a quantitative commitment; null for a deliverable, "
        "whose progress is its stage."
    )
    stage = serializers.SerializerMethodField(
        help_text="A deliverable's completion stage; null for a quantitative commitment."
    )
    expected_progress = progress_field("expected_progress")
    status = progress_field(
        "status",
        serializers.ChoiceField,
        choices=v.choices(v.STATUS_LABELS, v.STATUSES),
        help_text="What the public sees: the editors' latest assessment, else computed_status.",
    )
    computed_status = progress_field(
        "computed_status",
        serializers.ChoiceField,
        choices=v.choices(v.STATUS_LABELS, v.COMPUTED_STATUSES),
    )
    assessment = AssessmentSerializer(source="progress.assessment", read_only=True, allow_null=True)
    last_evidence_on = progress_field("last_evidence_on", serializers.DateField)
    no_recent_evidence = progress_field("quiet", serializers.BooleanField)
    as_of = progress_field("as_of", serializers.DateField)
    computed_at = progress_field("computed_at", serializers.DateTimeField)
    url = serializers.HyperlinkedIdentityField(
        view_name="api:commitment-detail", lookup_field="slug"
    )
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Commitment
        fields = [
            "slug",
            "title",
            "pillar",
            "agreement",
            "meeting",
            "parent",
            "kind",
            "target_value",
            "target_unit",
            "start_date",
            "deadline",
            "deadline_basis",
            "deadline_words",
            "weight",
            "promised_by",
            "achieved_value",
            "progress",
            "stage",
            "expected_progress",
            "status",
            "computed_status",
            "assessment",
            "last_evidence_on",
            "no_recent_evidence",
            "as_of",
            "computed_at",
            "url",
            "html_url",
        ]

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_progress(self, obj):
        progress = getattr(obj, "progress", None)
        if progress is None or not obj.is_quantitative:
            return None
        return float(progress.progress)

    @extend_schema_field(
        serializers.ChoiceField(choices=v.choices(v.STAGE_LABELS, v.STAGES), allow_null=True)
    )
    def get_stage(self, obj):
        progress = getattr(obj, "progress", None)
        return (progress.stage or None) if progress else None

    def get_html_url(self, obj) -> str:
        request = self.context.get("request")
        path = obj.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class CommitmentDetailSerializer(CommitmentSerializer):
    milestones = MilestoneSerializer(many=True, read_only=True, source="milestones_on_record")
    upcoming = MilestoneSerializer(many=True, read_only=True, source="milestones_upcoming")
    assessments = AssessmentSerializer(many=True, read_only=True, source="assessment_history")
    children = serializers.SerializerMethodField(
        help_text="Slugs of the sub-targets whose amounts count towards this commitment."
    )
    corrections = CorrectionSerializer(many=True, read_only=True, source="correction_log")
    last_updated = serializers.SerializerMethodField(
        help_text="When anything this commitment's page shows last changed."
    )
    sources = SourceSerializer(many=True, read_only=True)

    class Meta(CommitmentSerializer.Meta):
        fields = [
            *CommitmentSerializer.Meta.fields,
            "summary",
            "responsible_india",
            "responsible_japan",
            "children",
            "last_updated",
            "corrections",
            "assessments",
            "milestones",
            "upcoming",
            "sources",
        ]

    def get_last_updated(self, obj) -> datetime:
        return selectors.last_updated(obj)

    @extend_schema_field(serializers.ListField(child=serializers.SlugField()))
    def get_children(self, obj):
        return [child.slug for child in obj.sub_targets]


class PillarSerializer(serializers.ModelSerializer):
    progress = progress_field("progress", help_text="The progress index: see the methodology page.")
    status_counts = serializers.DictField(
        source="progress.status_counts", child=serializers.IntegerField(), read_only=True
    )
    stage_counts = serializers.DictField(
        source="progress.stage_counts", child=serializers.IntegerField(), read_only=True
    )
    commitment_count = progress_field("commitment_count", serializers.IntegerField)
    as_of = progress_field("as_of", serializers.DateField)
    url = serializers.HyperlinkedIdentityField(view_name="api:pillar-detail", lookup_field="slug")

    class Meta:
        model = Pillar
        fields = [
            "slug",
            "name",
            "order",
            "in_joint_vision",
            "progress",
            "status_counts",
            "stage_counts",
            "commitment_count",
            "as_of",
            "url",
        ]


class SummarySerializer(serializers.ModelSerializer):
    progress = serializers.FloatField(help_text="The progress index: see the methodology page.")

    class Meta:
        model = OverallProgress
        fields = [
            "progress",
            "status_counts",
            "stage_counts",
            "commitment_count",
            "as_of",
            "computed_at",
        ]
