"""Read-only views of the stored rollups, for editors checking what the public sees."""

from django.contrib import admin

from .models import CommitmentProgress, OverallProgress, PillarProgress, RollupMark


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows only the system writes: editors may look, nobody edits or deletes."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CommitmentProgress)
class CommitmentProgressAdmin(ReadOnlyAdmin):
    list_display = [
        "commitment",
        "progress",
        "stage",
        "expected_progress",
        "status",
        "computed_status",
        "last_evidence_on",
        "as_of",
    ]
    list_filter = ["status", "computed_status", "stage", "quiet", "commitment__pillar"]
    list_select_related = ["commitment"]
    search_fields = ["commitment__title"]


@admin.register(RollupMark)
class RollupMarkAdmin(ReadOnlyAdmin):
    list_display = ["commitment", "marked_at", "version"]
    list_select_related = ["commitment"]
    ordering = ["marked_at"]


@admin.register(PillarProgress)
class PillarProgressAdmin(ReadOnlyAdmin):
    list_display = ["pillar", "progress", "commitment_count", "as_of", "computed_at"]
    list_select_related = ["pillar"]


@admin.register(OverallProgress)
class OverallProgressAdmin(ReadOnlyAdmin):
    list_display = ["key", "progress", "commitment_count", "as_of", "computed_at"]
