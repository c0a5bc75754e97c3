"""Settings → Categories (under /settings/categories/)."""

from django.urls import path

from regulars.customers import views

app_name = "categories"

urlpatterns = [
    path("", views.category_list, name="list"),
    path("new/", views.category_create, name="new"),
    path("<int:category_id>/", views.category_edit, name="edit"),
    path("<int:category_id>/delete/", views.category_delete, name="delete"),
]
