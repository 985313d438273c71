"""Addresses of project aid: evaluation (mounted under /projects/ by projects/urls/__init__.py)."""

from django.urls import path

from ..views import evaluation as views

urlpatterns: list = [
    path("<int:pk>/evaluation/", views.evaluation_page, name="evaluation"),
    path("<int:pk>/evaluation/evaluate/", views.evaluate, name="evaluate"),
    path("indicators/<int:indicator_id>/actual/", views.indicator_actual, name="indicator_actual"),
    path("evaluations/<int:evaluation_id>/report.pdf", views.evaluation_pdf, name="evaluation_pdf"),
]
