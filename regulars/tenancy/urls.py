from django.urls import path

from regulars.tenancy import views

app_name = "tenancy"

urlpatterns = [
    path("", views.organization_settings, name="organization"),
    path("switch/", views.organization_switch, name="switch"),
    path("locations/", views.location_list, name="locations"),
    path("locations/new/", views.location_create, name="location-new"),
    path("locations/<int:location_id>/", views.location_edit, name="location-edit"),
    path("locations/<int:location_id>/delete/", views.location_delete, name="location-delete"),
]
