from django.urls import path, register_converter

from . import views
from .models import VERSION_CODE


class VersionCode:
    """A version's code in its address (/policy/长宁-2022/): Chinese as well as ASCII."""

    regex = VERSION_CODE.pattern

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(VersionCode, "version")

app_name = "policy"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("new/", views.policy_create, name="create"),
    path("evaluate/", views.evaluate, name="evaluate"),
    path("<version:code>/", views.policy_detail, name="detail"),
    path("<version:code>/edit/", views.policy_edit, name="edit"),
    path("<version:code>/what-if/", views.what_if, name="what_if"),
    path("<version:code>/values/new/", views.value_edit, name="value_new"),
    path("<version:code>/values/<int:pk>/", views.value_edit, name="value_edit"),
    path("<version:code>/values/<int:pk>/delete/", views.value_delete, name="value_delete"),
    path("<version:code>/submit/", views.policy_submit, name="submit"),
    path("<version:code>/return/", views.policy_return, name="return"),
    path("<version:code>/publish/", views.policy_publish, name="publish"),
    path("<version:code>/discard/", views.policy_discard, name="discard"),
]
