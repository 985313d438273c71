"""Addresses of project aid: enrolment (mounted under /projects/ by projects/urls/__init__.py)."""

from django.urls import path

from ..views import enrolment as views

urlpatterns: list = [
    path("<int:pk>/enrolments/", views.enrolment_list, name="enrolments"),
    path("<int:pk>/enrolments/excel/", views.enrol_excel, name="enrol_excel"),
    path("<int:pk>/enrolments/template/", views.enrol_template, name="enrol_template"),
    path("<int:pk>/enrolments/query/", views.enrol_query, name="enrol_query"),
    path("enrolments/<int:id>/<str:action>/", views.enrolment_act, name="enrolment_act"),
    path("enrol/household/<int:hid>/", views.enrol_household, name="enrol_household"),
]
