"""Settings → Custom fields (under /settings/custom-fields/)."""

from django.urls import path

from regulars.customers import custom_field_views as views

app_name = "custom_fields"

urlpatterns = [
    path("", views.custom_field_list, name="list"),
    path("new/", views.custom_field_create, name="new"),
    path("<int:field_id>/", views.custom_field_edit, name="edit"),
    path("<int:field_id>/delete/", views.custom_field_delete, name="delete"),
]
