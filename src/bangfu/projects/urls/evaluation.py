"""Addresses of project aid: evaluation (mounted under /projects/ by projects/urls/__init__.py)."""

urlpatterns: list = []
