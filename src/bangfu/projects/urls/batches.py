"""Addresses of project aid: batches (mounted under /projects/ by projects/urls/__init__.py)."""

urlpatterns: list = []
