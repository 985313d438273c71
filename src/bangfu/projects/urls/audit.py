"""Addresses of project aid: audit (mounted under /projects/ by projects/urls/__init__.py)."""

from django.urls import path

from ..views import audit as views

urlpatterns: list = [
    path("<int:pk>/audit/", views.audit_page, name="audit"),
    path("<int:pk>/audit.xlsx", views.audit_xlsx, name="audit_xlsx"),
]
