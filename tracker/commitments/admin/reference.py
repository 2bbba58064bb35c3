"""Sources, pillars, agreements, sectors and meetings: what commitments refer to."""

from django.contrib import admin
from django.db import models
from django.db.models import Count

from ..models import (
    Agreement,
    Meeting,
    Pillar,
    Sector,
    Source,
)
from .base import HistoryAdmin


@admin.register(Source)
class SourceAdmin(HistoryAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["title", "publisher", "published_on", "short_excerpt"]
    list_filter = ["publisher", "published_on"]
    search_fields = ["title", "publisher", "url", "excerpt"]
    date_hierarchy = "published_on"

    @admin.display(description="excerpt")
    def short_excerpt(self, obj):
        return obj.excerpt if len(obj.excerpt) <= 90 else obj.excerpt[:87] + "…"


@admin.register(Pillar)
class PillarAdmin(admin.ModelAdmin):
    list_display = ["name", "order", "in_joint_vision", "commitment_count"]
    list_editable = ["order"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_commitments=Count("commitments"))

    @admin.display(description="commitments", ordering="n_commitments")
    def commitment_count(self, obj):
        return obj.n_commitments


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "signed_on"]
    list_filter = ["kind"]
    search_fields = ["title", "slug", "summary"]
    date_hierarchy = "signed_on"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["sources"]


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


# --- Milestones: drafted, reviewed, published, corrected, withdrawn ------------------------


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["name", "held_on", "date_note", "place"]
    search_fields = ["name", "slug", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["sources"]
