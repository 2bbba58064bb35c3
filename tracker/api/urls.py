from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views

app_name = "api"

router = DefaultRouter()
router.register("commitments", views.CommitmentViewSet, basename="commitment")
router.register("pillars", views.PillarViewSet, basename="pillar")

urlpatterns = [
    path("summary/", views.SummaryView.as_view(), name="summary"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("", include(router.urls)),
]
