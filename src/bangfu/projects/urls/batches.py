"""Addresses of project aid: batches (mounted under /projects/ by projects/urls/__init__.py)."""

from django.urls import path

from ..views import batches as views

urlpatterns: list = [
    path("<int:pk>/batches/", views.batch_list, name="batches"),
    path("<int:pk>/batches/new/", views.batch_new, name="batch_new"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/<str:action>/", views.batch_act, name="batch_act"),
]
