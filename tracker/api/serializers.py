from rest_framework import serializers

from tracker.commitments.models import Commitment, Milestone, Pillar, Source
from tracker.progress.models import OverallProgress


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["title", "publisher", "url", "published_on", "excerpt"]


class MilestoneSerializer(serializers.ModelSerializer):
    sources = SourceSerializer(many=True, read_only=True)

    class Meta:
        model = Milestone
        fields = ["occurred_on", "title", "amount", "unit", "percent_complete", "sources"]


def progress_field(name, field_class=serializers.FloatField):
    return field_class(source=f"progress.{name}", read_only=True, allow_null=True)


class CommitmentSerializer(serializers.ModelSerializer):
    pillar = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    agreement = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    achieved_value = serializers.DecimalField(
        source="progress.achieved_value",
        max_digits=28,
        decimal_places=4,
        read_only=True,
        allow_null=True,
    )
    progress = progress_field("progress")
    expected_progress = progress_field("expected_progress")
    status = progress_field("status", serializers.CharField)
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
            "kind",
            "target_value",
            "target_unit",
            "start_date",
            "deadline",
            "weight",
            "promised_by",
            "achieved_value",
            "progress",
            "expected_progress",
            "status",
            "as_of",
            "computed_at",
            "url",
            "html_url",
        ]

    def get_html_url(self, obj) -> str:
        request = self.context.get("request")
        path = obj.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class CommitmentDetailSerializer(CommitmentSerializer):
    milestones = MilestoneSerializer(many=True, read_only=True, source="published_milestones")
    sources = SourceSerializer(many=True, read_only=True)

    class Meta(CommitmentSerializer.Meta):
        fields = [
            *CommitmentSerializer.Meta.fields,
            "summary",
            "responsible_india",
            "responsible_japan",
            "milestones",
            "sources",
        ]


class PillarSerializer(serializers.ModelSerializer):
    progress = progress_field("progress")
    status_counts = serializers.DictField(
        source="progress.status_counts", child=serializers.IntegerField(), read_only=True
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
            "commitment_count",
            "as_of",
            "url",
        ]


class SummarySerializer(serializers.ModelSerializer):
    progress = serializers.FloatField()

    class Meta:
        model = OverallProgress
        fields = ["progress", "status_counts", "commitment_count", "as_of", "computed_at"]
