"""Subscribers, the send log (read-only) and a preview of the weekly digest for editors."""

from csp.decorators import csp_replace, csp_update
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.clickjacking import xframe_options_sameorigin

from tracker.progress.admin import ReadOnlyAdmin

from . import sending, services
from .forms import PreviewForm
from .models import DigestSend, Subscriber


class SubscriptionStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("receiving", "Receiving the digest"),
            ("unconfirmed", "Not confirmed"),
            ("unsubscribed", "Unsubscribed"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "receiving":
            return queryset.receiving()
        if self.value() == "unconfirmed":
            return queryset.filter(confirmed_at__isnull=True)
        if self.value() == "unsubscribed":
            return queryset.filter(unsubscribed_at__isnull=False)
        return queryset


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    """Readers subscribe themselves (with consent by email); staff only unsubscribe them."""

    list_display = ["email", "followed_pillars", "confirmed_at", "unsubscribed_at", "created_at"]
    list_filter = [SubscriptionStateFilter, "pillars"]
    search_fields = ["email"]
    fields = ["email", "pillars", "confirmed_at", "unsubscribed_at", "created_at", "updated_at"]
    readonly_fields = ["email", "confirmed_at", "unsubscribed_at", "created_at", "updated_at"]
    filter_horizontal = ["pillars"]
    actions = ["unsubscribe"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("pillars")

    def has_add_permission(self, request):
        return False

    @admin.display(description="pillars")
    def followed_pillars(self, subscriber):
        return ", ".join(p.name for p in subscriber.pillars.all()) or "All"

    @admin.action(description="Unsubscribe the selected readers", permissions=["change"])
    def unsubscribe(self, request, queryset):
        for subscriber in queryset:
            services.unsubscribe(subscriber)
        self.message_user(request, f"Unsubscribed {queryset.count()} reader(s).")


@admin.register(DigestSend)
class DigestSendAdmin(ReadOnlyAdmin):
    """The send log, written only by the sender; and a preview of any day's digest."""

    change_list_template = "digest/admin/digestsend_change_list.html"
    list_display = ["subscriber", "week", "status", "sent_at", "attempts", "error"]
    list_filter = ["status", "week"]
    list_select_related = ["subscriber"]
    search_fields = ["subscriber__email"]

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        html = self.admin_site.admin_view(self.preview_html_view)
        return [
            path("preview/", preview, name="digest_digestsend_preview"),
            path("preview/html/", html, name="digest_digestsend_preview_html"),
            *super().get_urls(),
        ]

    def _preview(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = PreviewForm(request.GET or None)
        as_of, pillar_ids = sending.default_as_of(), frozenset()
        if form.is_valid():
            as_of = form.cleaned_data["as_of"]
            pillar_ids = frozenset(p.id for p in form.cleaned_data["pillars"])
        digest, message = sending.preview(as_of, pillar_ids)
        return form, digest, message

    def preview_view(self, request):
        form, digest, message = self._preview(request)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Preview the weekly digest",
            "form": form,
            "digest": digest,
            "subject": message.subject,
            "text": message.body,
            "html_url": reverse("admin:digest_digestsend_preview_html")
            + (f"?{request.GET.urlencode()}" if request.GET else ""),
            "would_send": not digest.is_empty or settings.DIGEST_SEND_EMPTY,
        }
        return TemplateResponse(request, "digest/admin/preview.html", context)

    @method_decorator(xframe_options_sameorigin)
    # The email's HTML part as readers get it: styled inline, as email must be, so this one
    # response allows inline style, and only the preview page may frame it.
    @method_decorator(csp_update({"style-src": ["'unsafe-inline'"]}))
    @method_decorator(csp_replace({"frame-ancestors": ["'self'"]}))
    def preview_html_view(self, request):
        _, _, message = self._preview(request)
        return HttpResponse(message.alternatives[0][0], content_type="text/html; charset=utf-8")
