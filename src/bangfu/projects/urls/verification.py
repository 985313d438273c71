"""Addresses of project aid: verification (mounted under /projects/ by projects/urls/__init__.py)."""

urlpatterns: list = []
