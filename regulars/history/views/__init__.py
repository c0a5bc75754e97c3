"""History pages: the profile's overview and its visits, orders and invoices tabs (htmx
panels, each also a page of its own), the forms that record, edit and delete visits, orders,
refunds, invoices and payments, and the services catalogue.

The profile (customers) does not import this app: it loads these panels by URL. Every form
goes back to the profile's tab; a form with errors re-renders with what was typed.

One module per aggregate: `panel_views` (overview and tabs), `visit_views`, `order_views`
(orders and refunds), `invoice_views` (invoices and payments), `catalogue_views` (services),
and `common_views` for what they share. Every view is importable from here, as `urls` uses
them (`views.visit_new`).
"""

from regulars.history.views.catalogue_views import (
    service_delete,
    service_edit,
    service_list,
    service_new,
)
from regulars.history.views.invoice_views import (
    invoice_delete,
    invoice_detail,
    invoice_edit,
    invoice_new,
    payment_delete,
    payment_edit,
    payment_new,
)
from regulars.history.views.order_views import LINES_SHOWN, order_delete, order_edit, order_new
from regulars.history.views.panel_views import (
    PER_PAGE,
    SORTS,
    invoice_list,
    order_list,
    overview,
    visit_list,
)
from regulars.history.views.visit_views import visit_delete, visit_edit, visit_new

__all__ = [
    "LINES_SHOWN",
    "PER_PAGE",
    "SORTS",
    "invoice_delete",
    "invoice_detail",
    "invoice_edit",
    "invoice_list",
    "invoice_new",
    "order_delete",
    "order_edit",
    "order_list",
    "order_new",
    "overview",
    "payment_delete",
    "payment_edit",
    "payment_new",
    "service_delete",
    "service_edit",
    "service_list",
    "service_new",
    "visit_delete",
    "visit_edit",
    "visit_list",
    "visit_new",
]
