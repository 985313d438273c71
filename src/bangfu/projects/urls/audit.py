"""Addresses of project aid: audit (mounted under /projects/ by projects/urls/__init__.py)."""

urlpatterns: list = []
