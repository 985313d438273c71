"""The site's addresses, with a stand-in for the plan page (`projects:detail`, /projects/<pk>/)
while project aid's own addresses do not have it: for the tests of the pages that link to a plan.
Once the plan page is among them, this adds nothing and the site's own is used."""

from django.http import HttpResponse
from django.urls import include, path

from bangfu import urls as site
from bangfu.projects import urls as projects


def _plan_page(request, pk: int) -> HttpResponse:
    return HttpResponse("项目")


_own = projects.urlpatterns
_stand_in = (
    []
    if any(getattr(p, "name", None) == "detail" for p in _own)
    else [path("<int:pk>/", _plan_page, name="detail")]
)
urlpatterns = [p for p in site.urlpatterns if getattr(p, "namespace", None) != "projects"] + [
    path("projects/", include((_stand_in + list(_own), "projects")))
]
handler400, handler403 = site.handler400, site.handler403
handler404, handler500 = site.handler404, site.handler500
