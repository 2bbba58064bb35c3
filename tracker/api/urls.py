from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from . import views

app_name = "api"

router = DefaultRouter()
router.register("commitments", views.CommitmentViewSet, basename="commitment")
router.register("pillars", views.PillarViewSet, basename="pillar")

urlpatterns = [
    path("summary/", views.SummaryView.as_view(), name="summary"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("", include(router.urls)),
]
