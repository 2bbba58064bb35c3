"""The public corrections log: every withdrawal and correction, as a page and an Atom feed."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from tracker.commitments.models import Correction
from tracker.progress import selectors

from .caching import cached_page

# The feed holds no more entries than the first page, so each new entry's anchor is there.
PAGE_SIZE = 50
FEED_SIZE = PAGE_SIZE


@cached_page(scope="site")
def correction_list(request):
    page = Paginator(selectors.corrections(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "public/correction_list.html", {"page": page})


def correction(request, pk):
    """A lasting link to one entry: the page of the log it is on now, at its anchor."""
    found = get_object_or_404(Correction, pk=pk)
    page = selectors.corrections_newer_than(found) // PAGE_SIZE + 1
    query = f"?page={page}" if page > 1 else ""
    return redirect(f"{reverse('public:corrections')}{query}#correction-{found.pk}")


class CorrectionFeed(Feed):
    feed_type = Atom1Feed
    title = "India–Japan Commitment Tracker: corrections"
    subtitle = "Published evidence that was corrected or withdrawn, with the editors’ reasons."
    description_template = "public/correction_feed_item.html"

    def link(self):
        return reverse("public:corrections")

    def feed_url(self):
        return settings.SITE_URL + reverse("public:corrections-feed")

    def items(self):
        return selectors.corrections()[:FEED_SIZE]

    def item_title(self, item):
        if item.milestone is None:
            return f"{item.get_kind_display()}: {item.commitment.title}"
        return f"{item.get_kind_display()} of “{item.milestone.title}” ({item.commitment.title})"

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        return settings.SITE_URL + reverse("public:correction", args=[item.pk])

    def item_pubdate(self, item):
        return item.made_at

    def item_updateddate(self, item):
        return item.made_at

    def item_categories(self, item):
        return [item.get_kind_display(), item.commitment.pillar.name]
