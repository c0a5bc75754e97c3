"""Reminders (under /reminders/): one's own list and the profile card's forms."""

from django.urls import path

from regulars.customers import reminder_views as views

app_name = "reminders"

urlpatterns = [
    path("", views.my_reminders, name="mine"),
    path("<int:reminder_id>/done/", views.reminder_done, name="done"),
    path("<int:reminder_id>/undo/", views.reminder_undo, name="undo"),
    path("customers/<int:customer_id>/new/", views.reminder_add, name="add"),
    path(
        "customers/<int:customer_id>/<int:reminder_id>/edit/",
        views.reminder_edit,
        name="edit",
    ),
    path(
        "customers/<int:customer_id>/<int:reminder_id>/delete/",
        views.reminder_delete,
        name="delete",
    ),
]
