"""Atom feeds of published milestones: all of them, and one per pillar."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from tracker.commitments.models import Pillar
from tracker.progress import selectors

FEED_SIZE = 50


class MilestoneFeed(Feed):
    feed_type = Atom1Feed
    title = "India–Japan Commitment Tracker: new milestones"
    subtitle = "Published milestones towards the commitments of the 2025 India–Japan summit."

    def link(self):
        return reverse("public:home")

    def feed_url(self):
        return settings.SITE_URL + reverse("public:feed")

    def items(self):
        return selectors.recently_published(FEED_SIZE)

    def item_title(self, item):
        return f"{item.commitment.title}: {item.title}"

    description_template = "public/feed_item.html"

    def item_categories(self, item):
        """The pillar, and the commitment's status and stage, for readers that filter."""
        progress = getattr(item.commitment, "progress", None)
        categories = [item.commitment.pillar.name]
        if progress is not None:
            categories.append(f"status:{progress.status}")
            if progress.stage:
                categories.append(f"stage:{progress.stage}")
        return categories

    def item_link(self, item):
        return reverse("public:milestone", args=[item.pk])

    def item_guid(self, item):
        return f"{settings.SITE_URL}/milestones/{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at


class PillarMilestoneFeed(MilestoneFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Pillar, slug=slug)

    def title(self, pillar):
        return f"India–Japan Commitment Tracker: {pillar.name}"

    def link(self, pillar):
        return pillar.get_absolute_url()

    def feed_url(self, pillar):
        return settings.SITE_URL + reverse("public:pillar-feed", args=[pillar.slug])

    def items(self, pillar):
        return selectors.recently_published(FEED_SIZE, pillar)
