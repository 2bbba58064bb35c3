"""Read-only JSON API over the stored rollups."""

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, viewsets

from tracker.commitments.filters import CommitmentFilter
from tracker.commitments.models import Commitment, Milestone, Pillar
from tracker.progress.models import OverallProgress

from . import serializers
from .pagination import StrictPagination


class CommitmentViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    filterset_class = CommitmentFilter
    pagination_class = StrictPagination

    def get_queryset(self):
        queryset = Commitment.objects.with_progress()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                "sources",
                Prefetch(
                    "milestones",
                    queryset=Milestone.objects.published().prefetch_related("sources"),
                    to_attr="published_milestones",
                ),
            )
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.CommitmentDetailSerializer
        return serializers.CommitmentSerializer


class PillarViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    serializer_class = serializers.PillarSerializer
    queryset = Pillar.objects.select_related("progress")
    pagination_class = None
    filterset_class = None


class SummaryView(generics.RetrieveAPIView):
    serializer_class = serializers.SummarySerializer
    filterset_class = None

    @extend_schema(summary="Overall progress of every commitment")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_object(self):
        overall = OverallProgress.objects.filter(key="overall").first()
        if overall is None:
            raise Http404("Progress has not been computed yet.")
        return overall
