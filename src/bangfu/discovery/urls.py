from django.urls import path

from . import views

# Mounted at cases/discovery/ (bangfu/urls.py), where these pages have always been.
app_name = "discovery"
urlpatterns = [
    path("", views.discovery, name="discovery"),
    path("visit/<int:household_pk>/", views.visit_new, name="visit_new"),
    path("leads/new/<int:household_pk>/", views.lead_new, name="lead_new"),
    path("leads/<int:pk>/close/", views.lead_close, name="lead_close"),
]
