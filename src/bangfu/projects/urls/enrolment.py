"""Addresses of project aid: enrolment (mounted under /projects/ by projects/urls/__init__.py)."""

urlpatterns: list = []
