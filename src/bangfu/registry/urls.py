from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.household_list, name="list"),
]
