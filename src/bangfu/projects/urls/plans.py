"""Addresses of project aid: plans (mounted under /projects/ by projects/urls/__init__.py)."""

urlpatterns: list = []
