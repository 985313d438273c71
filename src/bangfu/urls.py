from django.contrib import admin
from django.urls import include, path

from bangfu.api import api

admin.site.site_header = "市民综合帮扶信息化平台 · 配置管理"
admin.site.site_title = "帮扶平台管理"

urlpatterns = [
    path("", include("bangfu.web.urls")),
    path("households/", include("bangfu.registry.urls")),
    path("audit/", include("bangfu.audit.urls")),
    path("policy/", include("bangfu.policy.urls")),
    # Under cases/ as before the app of its own: the addresses users know stay.
    path("cases/discovery/", include("bangfu.discovery.urls")),
    path("cases/", include("bangfu.cases.urls")),
    path("funds/", include("bangfu.funds.urls")),
    path("projects/", include("bangfu.projects.urls")),
    path("jobs/", include("bangfu.jobs.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

# Chinese pages in the layout (and the API's error object under /api/), with DEBUG off.
handler400 = "bangfu.web.errors.bad_request"
handler403 = "bangfu.web.errors.permission_denied"
handler404 = "bangfu.web.errors.page_not_found"
handler500 = "bangfu.web.errors.server_error"
