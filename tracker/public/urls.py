from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import corrections, exports, feeds, views
from .sitemaps import SITEMAPS

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("pillars/<slug:slug>/", views.pillar_detail, name="pillar"),
    path("commitments/", views.commitment_list, name="commitments"),
    path("commitments/<slug:slug>/", views.commitment_detail, name="commitment"),
    path("milestones/<int:pk>/", views.milestone, name="milestone"),
    path("agreements/", views.agreement_list, name="agreements"),
    path("sources/", views.source_list, name="sources"),
    path("methodology/", views.methodology, name="methodology"),
    path("corrections/", corrections.correction_list, name="corrections"),
    path("corrections/<int:pk>/", corrections.correction, name="correction"),
    path("feed/milestones.atom", feeds.MilestoneFeed(), name="feed"),
    path(
        "feed/pillars/<slug:slug>/milestones.atom", feeds.PillarMilestoneFeed(), name="pillar-feed"
    ),
    path("feed/corrections.atom", corrections.CorrectionFeed(), name="corrections-feed"),
    path("export/commitments.csv", exports.export_commitments, name="export-commitments"),
    path("export/milestones.csv", exports.export_milestones, name="export-milestones"),
    path("export/exchange-rates.csv", exports.export_exchange_rates, name="export-exchange-rates"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]
