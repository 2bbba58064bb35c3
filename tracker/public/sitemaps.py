from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from tracker.commitments.models import Commitment, Pillar


class StaticPagesSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return ["home", "commitments", "agreements", "sources", "methodology", "corrections"]

    def location(self, item):
        return reverse(f"public:{item}")


class PillarSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Pillar.objects.order_by("order")


class CommitmentSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Commitment.objects.order_by("slug")

    def lastmod(self, commitment):
        return commitment.updated_at


SITEMAPS = {"pages": StaticPagesSitemap, "pillars": PillarSitemap, "commitments": CommitmentSitemap}
