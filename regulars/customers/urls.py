from django.urls import path

from regulars.customers import list_views, views

app_name = "customers"

urlpatterns = [
    path("", list_views.customer_list, name="list"),
    path("count/", list_views.customer_count, name="count"),
    path("new/", views.customer_create, name="new"),
    path("sample/", views.sample_start, name="sample"),
    path("deleted/", views.deleted_list, name="deleted"),
    path("<int:customer_id>/", views.customer_detail, name="detail"),
    path("<int:customer_id>/edit/", views.customer_edit, name="edit"),
    path("<int:customer_id>/delete/", views.customer_delete, name="delete"),
    path("<int:customer_id>/deactivate/", views.customer_deactivate, name="deactivate"),
    path("<int:customer_id>/reactivate/", views.customer_reactivate, name="reactivate"),
    path("<int:customer_id>/restore/", views.customer_restore, name="restore"),
    path("<int:customer_id>/consent/", views.consent_change, name="consent"),
    path("<int:customer_id>/categories/", views.customer_categories, name="categories"),
    path("<int:customer_id>/notes/", views.note_add, name="note-add"),
    path("<int:customer_id>/notes/<int:note_id>/edit/", views.note_edit, name="note-edit"),
    path("<int:customer_id>/notes/<int:note_id>/delete/", views.note_delete, name="note-delete"),
]
