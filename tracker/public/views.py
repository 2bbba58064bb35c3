"""Read-only public pages: thin views over the stored rollups, each a fixed number of queries."""

import csv

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from tracker.commitments.filters import CommitmentFilter
from tracker.commitments.models import Agreement, Commitment, Milestone, Pillar, Source
from tracker.progress import rules
from tracker.progress.engine import thresholds
from tracker.progress.models import OverallProgress

from . import charts, figures
from .caching import cached_page

PAGE_SIZE = 25


def published_milestones():
    return Milestone.objects.published().select_related("commitment").prefetch_related("sources")


def status_rows(status_counts):
    """Status counts in the rule's order, with labels, for the templates."""
    counts = status_counts or {}
    return [
        {"key": s, "label": rules.STATUS_LABELS[s], "count": counts.get(s, 0)}
        for s in rules.STATUSES
    ]


@cached_page
def home(request):
    overall = OverallProgress.objects.filter(key="overall").first()
    pillars = Pillar.objects.select_related("progress")
    context = {
        "overall": overall,
        "overall_statuses": status_rows(overall.status_counts if overall else None),
        "pillars": [
            (p, status_rows(getattr(p, "progress", None) and p.progress.status_counts))
            for p in pillars
        ],
        "headlines": Commitment.objects.with_progress().filter(is_headline=True),
        "latest_milestones": published_milestones().order_by("-occurred_on", "-id")[:8],
    }
    return render(request, "public/home.html", context)


@cached_page
def pillar_detail(request, slug):
    pillar = get_object_or_404(Pillar.objects.select_related("progress"), slug=slug)
    progress = getattr(pillar, "progress", None)
    context = {
        "pillar": pillar,
        "statuses": status_rows(progress.status_counts if progress else None),
        "commitments": Commitment.objects.with_progress().filter(pillar=pillar),
        "latest_milestones": published_milestones()
        .filter(commitment__pillar=pillar)
        .order_by("-occurred_on", "-id")[:5],
    }
    return render(request, "public/pillar_detail.html", context)


@cached_page
def commitment_list(request):
    filterset = CommitmentFilter(request.GET, queryset=Commitment.objects.with_progress())
    valid = filterset.is_valid()
    queryset = filterset.qs if valid else Commitment.objects.none()
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "filtered": any(request.GET.get(name) for name in filterset.form.fields),
    }
    return render(request, "public/commitment_list.html", context, status=200 if valid else 400)


@cached_page
def commitment_detail(request, slug):
    commitment = get_object_or_404(
        Commitment.objects.with_progress().prefetch_related(
            "sources",
            "sectors",
            Prefetch(
                "milestones",
                queryset=Milestone.objects.published().prefetch_related("sources"),
                to_attr="published_milestones",
            ),
        ),
        slug=slug,
    )
    progress = getattr(commitment, "progress", None)
    chart = None
    sentence = figures.status_sentence("", 0, 0, commitment.deadline, commitment.deadline)
    if progress is not None:
        history = list(commitment.progress_history.values_list("as_of", "progress"))
        chart = charts.progress_chart(
            history, commitment.start_date, commitment.deadline, progress.as_of
        )
        sentence = figures.status_sentence(
            progress.status,
            progress.progress,
            progress.expected_progress,
            commitment.deadline,
            progress.as_of,
        )
    context = {
        "commitment": commitment,
        "progress": progress,
        "chart": chart,
        "status_sentence": sentence,
        "milestones": commitment.published_milestones,
    }
    return render(request, "public/commitment_detail.html", context)


@cached_page
def agreement_list(request):
    agreements = Agreement.objects.annotate(n_commitments=Count("commitments")).prefetch_related(
        "sources"
    )
    return render(request, "public/agreement_list.html", {"agreements": agreements})


@cached_page
def source_list(request):
    sources = Source.objects.order_by("title", "id").prefetch_related("commitments")
    return render(request, "public/source_list.html", {"sources": sources})


@cached_page
def methodology(request):
    limits = thresholds()
    context = {
        "on_track": figures.percent(limits.on_track),
        "at_risk": figures.percent(limits.at_risk),
        "statuses": [(s, rules.STATUS_LABELS[s]) for s in rules.STATUSES],
        "base_currency": rules.BASE_CURRENCY,
        "overall": OverallProgress.objects.filter(key="overall").first(),
    }
    return render(request, "public/methodology.html", context)


def spreadsheet_safe(value):
    """Keep a text cell from being read as a formula by spreadsheet programs."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def csv_response(filename, header, rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(v) for v in row] for row in rows)
    return response


@cached_page
def export_commitments(request):
    header = [
        "slug", "title", "pillar", "agreement", "kind", "target_value", "target_unit",
        "start_date", "deadline", "weight", "promised_by", "achieved_value", "progress",
        "expected_progress", "status", "as_of", "url",
    ]  # fmt: skip
    rows = (
        [
            c.slug,
            c.title,
            c.pillar.slug,
            c.agreement.slug,
            c.kind,
            c.target_value,
            c.target_unit,
            c.start_date,
            c.deadline,
            c.weight,
            c.promised_by,
            *(
                (p.achieved_value, p.progress, p.expected_progress, p.status, p.as_of)
                if (p := getattr(c, "progress", None))
                else ("", "", "", "", "")
            ),
            settings.SITE_URL + c.get_absolute_url(),
        ]  # fmt: skip
        for c in Commitment.objects.with_progress()
    )
    return csv_response("commitments.csv", header, rows)


@cached_page
def export_milestones(request):
    header = [
        "commitment", "occurred_on", "title", "amount", "unit", "percent_complete",
        "published_at", "source_titles", "source_urls",
    ]  # fmt: skip
    rows = (
        [
            m.commitment.slug,
            m.occurred_on,
            m.title,
            m.amount,
            m.unit,
            m.percent_complete,
            m.published_at.isoformat() if m.published_at else "",
            " | ".join(s.title for s in m.sources.all()),
            " | ".join(s.url for s in m.sources.all() if s.url),
        ]  # fmt: skip
        for m in published_milestones().order_by("occurred_on", "id")
    )
    return csv_response("milestones.csv", header, rows)
