"""Read-only public pages: thin views over the read layer, each a fixed number of queries."""

import csv

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from tracker.methodology import units
from tracker.methodology import vocabulary as v
from tracker.methodology.wording import percent
from tracker.progress import selectors
from tracker.progress.inputs import thresholds

from . import charts
from .caching import cached_page

PAGE_SIZE = 25
LATEST_ON_HOME = 8
LATEST_ON_PILLAR = 5


def distributions(group):
    """The stacked bars of statuses and stages for a pillar or the overall figure."""
    progress = group
    statuses = selectors.status_segments(progress.status_counts if progress else None)
    stages = selectors.stage_segments(progress.stage_counts if progress else None)
    return {
        "statuses": statuses,
        "status_bars": charts.stacked_bar(statuses),
        "stages": stages,
        "stage_bars": charts.stacked_bar(stages),
        "deliverable_count": sum(s.count for s in stages),
    }


@cached_page
def home(request):
    overall = selectors.overall()
    context = {
        "overall": overall,
        **distributions(overall),
        "pillars": [(p, distributions(getattr(p, "progress", None))) for p in selectors.pillars()],
        "headlines": selectors.commitments().filter(is_headline=True),
        "latest_milestones": selectors.latest_milestones(LATEST_ON_HOME),
    }
    return render(request, "public/home.html", context)


@cached_page
def pillar_detail(request, slug):
    pillar = get_object_or_404(selectors.pillars(), slug=slug)
    progress = getattr(pillar, "progress", None)
    context = {
        "pillar": pillar,
        **distributions(progress),
        "commitments": selectors.commitments().filter(pillar=pillar),
        "latest_milestones": selectors.latest_milestones(LATEST_ON_PILLAR, pillar),
    }
    return render(request, "public/pillar_detail.html", context)


@cached_page
def commitment_list(request):
    filterset, queryset, valid = selectors.filtered_commitments(request.GET)
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
    commitment = get_object_or_404(selectors.commitment_queryset(), slug=slug)
    detail = selectors.commitment_detail(commitment)
    progress = detail.progress
    chart = None
    if progress is not None and commitment.is_quantitative and commitment.start_date:
        end = commitment.deadline or max(progress.as_of, commitment.start_date)
        chart = charts.progress_chart(
            detail.history,
            commitment.start_date,
            max(end, progress.as_of),
            progress.as_of,
            show_path=commitment.deadline is not None,
        )
    context = {
        "commitment": commitment,
        "detail": detail,
        "progress": progress,
        "chart": chart,
        "stages": [(s, v.STAGE_LABELS[s], v.STAGE_MEANINGS[s]) for s in v.STAGES],
    }
    return render(request, "public/commitment_detail.html", context)


@cached_page
def agreement_list(request):
    context = {"agreements": selectors.agreements(), "meetings": selectors.meetings()}
    return render(request, "public/agreement_list.html", context)


@cached_page
def source_list(request):
    return render(request, "public/source_list.html", {"sources": selectors.sources()})


@cached_page
def methodology(request):
    limits = thresholds()
    context = {
        "on_track": percent(limits.on_track),
        "at_risk": percent(limits.at_risk),
        "stages": [
            (s, v.STAGE_LABELS[s], v.STAGE_MEANINGS[s], percent(v.STAGE_FRACTIONS[s]))
            for s in v.STAGES
        ],
        "statuses": v.STATUS_LABELS,
        "deadline_bases": v.DEADLINE_BASES,
        "assessed_statuses": [v.STATUS_LABELS[s] for s in v.ASSESSED_STATUSES],
        "milestone_kinds": v.MILESTONE_KINDS,
        "base_currency": units.BASE_CURRENCY,
        "overall": selectors.overall(),
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
    writer.writerows([spreadsheet_safe(value) for value in row] for row in rows)
    return response


COMMITMENT_COLUMNS = [
    "slug", "title", "pillar", "agreement", "meeting", "parent", "kind", "target_value",
    "target_unit", "start_date", "deadline", "deadline_basis", "deadline_words", "weight",
    "promised_by", "achieved_value", "progress", "stage", "expected_progress", "status",
    "computed_status", "assessment_status", "assessment_reason", "assessed_on",
    "last_evidence_on", "as_of", "url",
]  # fmt: skip


def commitment_row(c):
    p = getattr(c, "progress", None)
    a = p.assessment if p else None
    return [
        c.slug,
        c.title,
        c.pillar.slug,
        c.agreement.slug if c.agreement else "",
        c.meeting.slug if c.meeting else "",
        c.parent.slug if c.parent else "",
        c.kind,
        c.target_value,
        c.target_unit,
        c.start_date,
        c.deadline,
        c.deadline_basis,
        c.deadline_words,
        c.weight,
        c.promised_by,
        *(
            (p.achieved_value, p.progress if c.is_quantitative else "", p.stage)
            + (p.expected_progress, p.status, p.computed_status)
            if p
            else ("",) * 6
        ),
        *((a.status, a.reason, a.assessed_on) if a else ("", "", "")),
        p.last_evidence_on if p else "",
        p.as_of if p else "",
        settings.SITE_URL + c.get_absolute_url(),
    ]


@cached_page
def export_commitments(request):
    rows = (commitment_row(c) for c in selectors.commitments())
    return csv_response("commitments.csv", COMMITMENT_COLUMNS, rows)


MILESTONE_COLUMNS = [
    "commitment", "occurred_on", "kind", "title", "amount", "unit", "stage", "meeting",
    "published_at", "source_titles", "source_urls",
]  # fmt: skip


@cached_page
def export_milestones(request):
    rows = (
        [
            m.commitment.slug,
            m.occurred_on,
            m.kind,
            m.title,
            m.amount,
            m.unit,
            m.stage,
            m.meeting.slug if m.meeting else "",
            m.published_at.isoformat() if m.published_at else "",
            " | ".join(s.title for s in m.sources.all()),
            " | ".join(s.url for s in m.sources.all() if s.url),
        ]
        for m in selectors.on_record_milestones().order_by("occurred_on", "id")
    )
    return csv_response("milestones.csv", MILESTONE_COLUMNS, rows)
