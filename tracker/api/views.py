"""Read-only JSON API over the stored rollups."""

from http import HTTPStatus

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views import defaults
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from drf_spectacular.views import SpectacularAPIView
from rest_framework import generics, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.renderers import JSONRenderer

from tracker.progress import selectors
from tracker.progress.filters import CommitmentFilter

from . import serializers
from .pagination import StrictPagination

ERROR = OpenApiResponse(
    inline_serializer("Error", {"detail": drf_serializers.CharField()}),
    description="Not found: no such slug, or a page past the end.",
)
BAD_PARAMETERS = OpenApiResponse(
    {
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
        "example": {"pillar": ["Select a valid choice."]},
    },
    description="A parameter is malformed or names an unknown slug; each key is a "
    "parameter and its value says what is wrong.",
)


@extend_schema_view(
    list=extend_schema(
        summary="Commitments with their progress",
        responses={200: serializers.CommitmentSerializer, 400: BAD_PARAMETERS, 404: ERROR},
    ),
    retrieve=extend_schema(
        summary="One commitment with its evidence, assessments, sub-targets and sources",
        responses={200: serializers.CommitmentDetailSerializer, 404: ERROR},
    ),
)
class CommitmentViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    # Any text but a NUL reaches the view, which answers a JSON 404; PostgreSQL cannot even
    # compare a NUL, so such a path never matches and the JSON 404 handler answers.
    lookup_value_regex = "[^/\\x00]+"
    filterset_class = CommitmentFilter
    pagination_class = StrictPagination

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.commitment_queryset()
        return selectors.commitments()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.CommitmentDetailSerializer
        return serializers.CommitmentSerializer

    def list(self, request, *args, **kwargs):
        """A page of commitments: its ids found in the commitments' own order, with only the
        join that order needs, then those rows read with everything beside them. Sorting
        every commitment with all six joins cost as much as serializing the page."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset.select_related(None).values_list("pk", flat=True))
        rows = queryset.order_by().in_bulk(page)
        serializer = self.get_serializer([rows[pk] for pk in page], many=True)
        return self.get_paginated_response(serializer.data)


@extend_schema_view(
    list=extend_schema(summary="Pillars with their progress"),
    retrieve=extend_schema(
        summary="One pillar with its progress",
        responses={200: serializers.PillarSerializer, 404: ERROR},
    ),
)
class PillarViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    lookup_value_regex = "[^/\\x00]+"
    serializer_class = serializers.PillarSerializer
    queryset = selectors.pillars()
    pagination_class = None
    filterset_class = None


class SummaryView(generics.RetrieveAPIView):
    serializer_class = serializers.SummarySerializer
    filterset_class = None

    @extend_schema(
        summary="Overall progress of every commitment",
        responses={200: serializers.SummarySerializer, 404: ERROR},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_object(self):
        overall = selectors.overall()
        if overall is None:
            raise Http404("Progress has not been computed yet.")
        return overall


class SchemaView(SpectacularAPIView):
    """The OpenAPI document, YAML unless ?format=json; its errors are JSON like the API's."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        # Otherwise a refused method or an unknown ?format= would answer in YAML.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


# The project's error handlers (tracker/urls.py): JSON for API clients, the site's pages for
# everyone else. None repeats an exception's text, which may say more than a visitor should.


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def error_page(request, status: int, message: str):
    """A client error as the site's page, or as {"detail": message} under /api/."""
    if is_api(request):
        return JsonResponse({"detail": message}, status=status)
    context = {"title": HTTPStatus(status).phrase, "message": message}
    return render(request, "400.html", context, status=status)


def bad_request(request, exception=None):
    return error_page(
        request, 400, "The request was malformed, so it could not be answered. Check the address."
    )


def permission_denied(request, exception=None):
    if is_api(request):
        return JsonResponse({"detail": "You do not have permission to do this."}, status=403)
    return defaults.permission_denied(request, exception)


def not_found(request, exception=None):
    if is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        message = "Server error: it has been logged. Please try again in a moment."
        return JsonResponse({"detail": message}, status=500)
    return defaults.server_error(request)
