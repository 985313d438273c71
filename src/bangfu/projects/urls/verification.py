"""Addresses of project aid: verification (mounted under /projects/ by projects/urls/__init__.py)."""

from django.urls import path

from ..views import verification as views

urlpatterns: list = [
    path("<int:pk>/verification/", views.verification_page, name="verification"),
    path("<int:pk>/verification/draw/", views.verification_draw, name="verification_draw"),
    path("checks/<int:check_id>/", views.check_page, name="check"),
]
