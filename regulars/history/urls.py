"""History pages under /customers/<id>/… (namespace `history`) and the services catalogue
under /settings/services/ (namespace `services`, `service_patterns`)."""

from django.urls import path

from regulars.history import views

app_name = "history"

C = "<int:customer_id>/"

urlpatterns = [
    path(f"{C}overview/", views.overview, name="overview"),
    path(f"{C}visits/", views.visit_list, name="visits"),
    path(f"{C}visits/new/", views.visit_new, name="visit-new"),
    path(f"{C}visits/<int:visit_id>/edit/", views.visit_edit, name="visit-edit"),
    path(f"{C}visits/<int:visit_id>/delete/", views.visit_delete, name="visit-delete"),
    path(f"{C}orders/", views.order_list, name="orders"),
    path(f"{C}orders/new/", views.order_new, name="order-new"),
    path(f"{C}orders/<int:order_id>/edit/", views.order_edit, name="order-edit"),
    path(f"{C}orders/<int:order_id>/delete/", views.order_delete, name="order-delete"),
    path(f"{C}invoices/", views.invoice_list, name="invoices"),
    path(f"{C}invoices/new/", views.invoice_new, name="invoice-new"),
    path(f"{C}invoices/<int:invoice_id>/", views.invoice_detail, name="invoice"),
    path(f"{C}invoices/<int:invoice_id>/edit/", views.invoice_edit, name="invoice-edit"),
    path(f"{C}invoices/<int:invoice_id>/delete/", views.invoice_delete, name="invoice-delete"),
    path(
        f"{C}invoices/<int:invoice_id>/payments/new/",
        views.payment_new,
        name="payment-new",
    ),
    path(
        f"{C}invoices/<int:invoice_id>/payments/<int:payment_id>/edit/",
        views.payment_edit,
        name="payment-edit",
    ),
    path(
        f"{C}invoices/<int:invoice_id>/payments/<int:payment_id>/delete/",
        views.payment_delete,
        name="payment-delete",
    ),
]

service_patterns = (
    [
        path("", views.service_list, name="list"),
        path("new/", views.service_new, name="new"),
        path("<int:service_id>/edit/", views.service_edit, name="edit"),
        path("<int:service_id>/delete/", views.service_delete, name="delete"),
    ],
    "services",
)
