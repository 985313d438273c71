from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.household_list, name="list"),
    path("new/", views.household_create, name="create"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/edit/", views.household_edit, name="edit"),
    path("<int:pk>/merge/", views.household_merge, name="merge"),
    path("<int:pk>/members/new/", views.person_add, name="person_add"),
    path("<int:pk>/members/<int:person_pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/members/<int:person_pk>/remove/", views.person_remove, name="person_remove"),
    path("<int:pk>/members/<int:person_pk>/means/new/", views.means_add, name="means_add"),
    path("<int:pk>/members/<int:person_pk>/reveal/<str:field>/", views.sensitive_reveal, name="reveal"),
    path("<int:pk>/categories/new/", views.category_add, name="category_add"),
    path("<int:pk>/categories/<int:category_pk>/end/", views.category_end, name="category_end"),
]
