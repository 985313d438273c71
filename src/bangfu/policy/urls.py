from django.urls import path

from . import views

app_name = "policy"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("new/", views.policy_create, name="create"),
    path("evaluate/", views.evaluate, name="evaluate"),
    path("<slug:code>/", views.policy_detail, name="detail"),
    path("<slug:code>/edit/", views.policy_edit, name="edit"),
    path("<slug:code>/what-if/", views.what_if, name="what_if"),
    path("<slug:code>/values/new/", views.value_edit, name="value_new"),
    path("<slug:code>/values/<int:pk>/", views.value_edit, name="value_edit"),
    path("<slug:code>/values/<int:pk>/delete/", views.value_delete, name="value_delete"),
    path("<slug:code>/submit/", views.policy_submit, name="submit"),
    path("<slug:code>/return/", views.policy_return, name="return"),
    path("<slug:code>/publish/", views.policy_publish, name="publish"),
    path("<slug:code>/discard/", views.policy_discard, name="discard"),
]
