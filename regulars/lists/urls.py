from django.urls import path

from regulars.lists import views

app_name = "lists"

urlpatterns = [
    path("bulk/", views.bulk, name="bulk"),
    path("columns/", views.columns_save, name="columns"),
    path("views/new/", views.saved_view_new, name="view-new"),
    path("views/<int:view_id>/edit/", views.saved_view_edit, name="view-edit"),
    path("views/<int:view_id>/delete/", views.saved_view_delete, name="view-delete"),
]
