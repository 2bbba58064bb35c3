"""Milestones: drafted by editors, published, withdrawn and corrected by reviewers."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from tracker.methodology import vocabulary as v
from tracker.methodology.wording import human_amount, long_date

from .. import imports, services
from ..desk import desk_for
from ..models import (
    Milestone,
)
from .base import CsvImportAdminMixin, EditorStampMixin, HistoryAdmin
from .forms import MilestoneForm, WithdrawForm


@admin.register(Milestone)
class MilestoneAdmin(CsvImportAdminMixin, EditorStampMixin, HistoryAdmin):
    import_columns = imports.MILESTONE_COLUMNS
    form = MilestoneForm
    actions = ["publish", "withdraw"]

    list_display = [
        "occurred_on",
        "title",
        "commitment",
        "kind",
        "amount_display",
        "stage",
        "status",
        "updated_by",
    ]
    list_filter = ["status", "kind", "stage", "commitment__pillar", "unit", "occurred_on"]
    list_select_related = ["commitment", "updated_by"]
    search_fields = ["title", "description", "commitment__title", "commitment__slug"]
    date_hierarchy = "occurred_on"
    autocomplete_fields = ["commitment", "sources"]
    readonly_fields = [
        "amount_display",
        "published_at",
        "created_by",
        "updated_by",
        "created_at",
        "updated_at",
    ]
    fields = [
        "commitment",
        "kind",
        "occurred_on",
        "title",
        "description",
        ("amount", "unit"),
        "stage",
        "meeting",
        "status",
        "sources",
        "published_at",
        ("created_by", "created_at"),
        ("updated_by", "updated_at"),
    ]

    def get_urls(self):
        opts = self.model._meta
        site = self.admin_site
        return [
            # Under milestones because a model admin can add URLs; the site's own are
            # tracker/urls.py's. Reverse it as admin:desk.
            path("desk/", site.admin_view(self.desk_view), name="desk"),
            path(
                "<path:object_id>/withdraw/",
                site.admin_view(self.withdraw_view),
                name=f"{opts.app_label}_{opts.model_name}_withdraw",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="amount", ordering="amount")
    def amount_display(self, obj):
        return "—" if obj.amount is None else human_amount(obj.amount, obj.unit)

    # --- Who may do what ----------------------------------------------------------------

    def has_publish_permission(self, request):
        return services.may_publish(request.user)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or services.may_change(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.status == v.DRAFT)

    # --- The change form ----------------------------------------------------------------

    def get_fields(self, request, obj=None):
        fields = list(self.fields)
        if obj is not None and not self.has_change_permission(request, obj):
            fields[fields.index(("amount", "unit"))] = "amount_display"  # as readers see it
        if obj is not None and obj.status != v.DRAFT:
            fields.insert(fields.index("status") + 1, "withdrawal_reason")
        if obj is not None and obj.status == v.PUBLISHED and services.may_publish(request.user):
            fields.insert(fields.index("stage") + 1, "change_reason")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return form.for_request(request, **self.revert_of(request, obj))

    def revert_of(self, request, obj) -> dict:
        """For the history's revert view: the milestone as saved, and the reason that
        records the revert (a published figure changes only with one)."""
        match = request.resolver_match
        if obj is None or match is None or not match.url_name.endswith("_simple_history"):
            return {}
        version = Milestone.history.select_related("history_user").get(
            id=obj.pk, history_id=match.args[1]
        )
        when = timezone.localtime(version.history_date)
        who = version.history_user or "an import or the shell"
        return {
            "stored": Milestone.objects.get(pk=obj.pk),
            "revert_reason": f"Reverted to the version of {long_date(when)}, "
            f"{when:%H:%M}, by {who}.",
        }

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # A version's own status does not say who may change the milestone now.
        current = self.get_object(request, unquote(object_id))
        if current is not None and not self.has_change_permission(request, current):
            if request.method == "POST":
                raise PermissionDenied
            extra_context = {**(extra_context or {}), "revert_disabled": True}
        return super().history_form_view(request, object_id, version_id, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        preview = context["adminform"].form.preview
        if preview:
            self.message_user(request, preview, messages.INFO)
        reviewer = services.may_publish(request.user)
        context["show_publish"] = reviewer and obj is not None and obj.status == v.DRAFT
        context["withdraw_url"] = (
            reverse("admin:commitments_milestone_withdraw", args=[obj.pk])
            if reviewer and obj is not None and obj.status == v.PUBLISHED
            else ""
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        self.stamp(obj, request.user)
        super().save_model(request, obj, form, change)

    def response_change(self, request, obj):
        if "_publish" in request.POST:
            self.message_user(request, f"Published “{obj}”.", messages.SUCCESS)
            return redirect("admin:commitments_milestone_changelist")
        return super().response_change(request, obj)

    # --- Publishing and withdrawing from the list ----------------------------------------

    @admin.action(description="Publish the selected drafts (after review)", permissions=["publish"])
    def publish(self, request, queryset):
        for milestone in queryset.prefetch_related("sources"):
            try:
                services.publish(milestone, request.user)
            except ValidationError as refusal:
                reasons = " ".join(refusal.messages)
                self.message_user(
                    request, f"Not published “{milestone}”: {reasons}", messages.ERROR
                )
            else:
                self.message_user(request, f"Published “{milestone}”.", messages.SUCCESS)

    @admin.action(
        description="Withdraw the selected milestones (with a public reason)",
        permissions=["publish"],
    )
    def withdraw(self, request, queryset):
        return self.withdraw_page(request, list(queryset.select_related("commitment")))

    def withdraw_view(self, request, object_id):
        milestone = self.get_object(request, unquote(object_id))
        if milestone is None:
            raise Http404
        if not self.has_publish_permission(request):
            raise PermissionDenied
        response = self.withdraw_page(request, [milestone], single=True)
        return response or redirect("admin:commitments_milestone_change", milestone.pk)

    def withdraw_page(self, request, milestones, single=False):
        """Ask for the reason readers will see, then withdraw each milestone with it."""
        form = WithdrawForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["withdrawal_reason"]
            for milestone in milestones:
                try:
                    services.withdraw(milestone, request.user, reason)
                except ValidationError as refusal:
                    errors = refusal.message_dict
                    if "withdrawal_reason" in errors:  # the same for every milestone: ask again
                        form.add_error("withdrawal_reason", errors["withdrawal_reason"])
                        break
                    reasons = " ".join(refusal.messages)
                    self.message_user(
                        request, f"Not withdrawn “{milestone}”: {reasons}", messages.ERROR
                    )
                else:
                    self.message_user(
                        request,
                        f"Withdrawn “{milestone}”: readers see your reason in its place.",
                        messages.SUCCESS,
                    )
            else:
                return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Withdraw published milestones",
            "milestones": milestones,
            "form": form,
            "from_list": not single,
        }
        return TemplateResponse(request, "admin/commitments/milestone/withdraw.html", context)

    # --- The editors' desk ---------------------------------------------------------------

    def desk_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Editors’ desk",
            "desk": desk_for(request.user),
            "quiet_days": settings.EVIDENCE_QUIET_DAYS,
        }
        return TemplateResponse(request, "admin/desk.html", context)

    def run_import(self, request, data, dry_run):
        return imports.import_milestones(
            data, dry_run=dry_run, user=request.user, editorial_roles=True
        )

    def export_rows(self):
        """Every milestone, drafts and withdrawn ones too (the public CSV has only those on
        record)."""
        return imports.milestone_rows(
            imports.milestone_values(Milestone.objects.all()).iterator(chunk_size=2000)
        )


# --- Exchange rates ------------------------------------------------------------------------
