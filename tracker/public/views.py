"""Read-only public pages: thin views over the read layer, each a fixed number of queries."""

from django.core.exceptions import BadRequest
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from tracker.methodology import units
from tracker.methodology import vocabulary as v
from tracker.methodology.wording import percent
from tracker.progress import selectors
from tracker.progress.inputs import thresholds

from . import charts
from .caching import cached_page

PAGE_SIZE = 25
LATEST_ON_HOME = 8
HEADLINES_ON_HOME = 9
LATEST_ON_PILLAR = 5


def page_number(request) -> int:
    """?page= as a whole number of 1 or more (a 400 otherwise); 1 when it is not given."""
    raw = request.GET.get("page")
    if raw is None:
        return 1
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise BadRequest("The page must be a whole number of 1 or more.")
    return int(raw)


def strict_page(paginator, request):
    """The requested page of a list: a 400 for a malformed number, a 404 past the end."""
    try:
        return paginator.page(page_number(request))
    except EmptyPage:
        raise Http404("There is no such page.") from None


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


def headlines() -> dict:
    """At most HEADLINES_ON_HOME headline commitments, and whether editors flagged more: the
    home page's size must not grow with the data (one query, one row past the limit)."""
    found = list(selectors.commitments().filter(is_headline=True)[: HEADLINES_ON_HOME + 1])
    shown = found[:HEADLINES_ON_HOME]
    return {"headlines": shown, "more_headlines": len(found) > len(shown)}


@cached_page(scope="site")
def home(request):
    overall = selectors.overall()
    context = {
        "overall": overall,
        **distributions(overall),
        "pillars": [(p, distributions(getattr(p, "progress", None))) for p in selectors.pillars()],
        **headlines(),
        "latest_milestones": selectors.latest_milestones(LATEST_ON_HOME),
    }
    return render(request, "public/home.html", context)


@cached_page(scope="pillar")
def pillar_detail(request, slug):
    pillar = get_object_or_404(selectors.pillars(), slug=slug)
    progress = getattr(pillar, "progress", None)
    commitments = Paginator(selectors.commitments().filter(pillar=pillar), PAGE_SIZE)
    context = {
        "pillar": pillar,
        **distributions(progress),
        "page": strict_page(commitments, request),
        "latest_milestones": selectors.latest_milestones(LATEST_ON_PILLAR, pillar),
    }
    return render(request, "public/pillar_detail.html", context)


@cached_page(scope="site")
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


@cached_page(scope="commitment")
def commitment_detail(request, slug):
    number = page_number(request)
    commitment = get_object_or_404(selectors.commitment_page_queryset(), slug=slug)
    try:
        detail = selectors.commitment_detail(commitment, number)
    except EmptyPage:
        raise Http404("There is no such page of evidence.") from None
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
            deadline=commitment.deadline,
        )
    context = {
        "commitment": commitment,
        "detail": detail,
        "progress": progress,
        "chart": chart,
        "stages": [(s, v.STAGE_LABELS[s], v.STAGE_MEANINGS[s]) for s in v.STAGES],
    }
    return render(request, "public/commitment_detail.html", context)


def milestone(request, pk):
    """A lasting link to one milestone: the page of its commitment's evidence that lists it
    now, at its anchor."""
    place = selectors.timeline_place(pk)
    if place is None:
        raise Http404("No public milestone has this number.")
    found, number = place
    query = f"?page={number}" if number > 1 else ""
    return redirect(f"{found.commitment.get_absolute_url()}{query}#milestone-{found.pk}")


@cached_page(scope="site")
def agreement_list(request):
    context = {"agreements": selectors.agreements(), "meetings": selectors.meetings()}
    return render(request, "public/agreement_list.html", context)


@cached_page(scope="site")
def source_list(request):
    return render(request, "public/source_list.html", {"sources": selectors.sources()})


@cached_page(scope="site")
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
