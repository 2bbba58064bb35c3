"""The site's URLs and one view with a bug in it, to see what a server error carries."""

from django.urls import path

from tracker import urls as site


def broken(request):
    raise RuntimeError("a bug in a view")


handler404 = site.handler404
urlpatterns = [path("broken/", broken), *site.urlpatterns]
