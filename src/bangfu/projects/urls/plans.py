"""Addresses of project aid: plans (mounted under /projects/ by projects/urls/__init__.py)."""

from django.urls import path

from ..views import plans

urlpatterns: list = [
    path("", plans.plan_list, name="list"),
    path("new/", plans.plan_new, name="new"),
    path("<int:pk>/", plans.plan_detail, name="detail"),
    path("<int:pk>/edit/", plans.plan_edit, name="edit"),
    path("<int:pk>/act/<slug:action>/", plans.plan_act, name="act"),
    path("<int:pk>/indicators/", plans.plan_indicators, name="indicators"),
]
