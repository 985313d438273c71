"""The platform's addresses and, for the error page tests only, three that fail on purpose."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from bangfu.urls import handler400, handler403, handler404, handler500  # noqa: F401
from bangfu.urls import urlpatterns as platform

SECRET = "内部细节-d41d8cd98f"  # what the failures carry: must never reach the page


def boom(request):
    raise RuntimeError(f"{SECRET} /srv/bangfu/settings.py SECRET_KEY")


def suspicious(request):
    raise SuspiciousOperation(f"{SECRET} bad header")


def forbidden(request):
    raise PermissionDenied(f"{SECRET} role check")


urlpatterns = [
    path("boom/", boom),
    path("suspicious/", suspicious),
    path("forbidden/", forbidden),
    path("api/v1/boom/", boom),
    *platform,
]
