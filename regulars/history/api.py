"""/api/v1/services, /visits, /orders, /invoices and /payments: a customer's history.

Each POST honours an `Idempotency-Key` header (per organization and endpoint, 30 days): a
retry answers what the first request answered, the same key with another body is a 422.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from ninja.params import functions as param
from ninja.responses import NinjaJSONEncoder
from pydantic import BaseModel, Field

from regulars.core.api import ERRORS, WRITE_ERRORS
from regulars.core.schemas import (
    DEFAULT_LIMIT,
    MAX_ID,
    ErrorOut,
    Limit,
    Page,
    PathId,
    cursor_page,
)
from regulars.core.schemas import Text200 as Cursor
from regulars.history import catalogue, invoices, orders, selectors, visits
from regulars.history.idempotency import HEADER, KEY_MAX, idempotent
from regulars.history.schemas import (
    InvoiceIn,
    InvoiceOut,
    InvoicePatch,
    OrderIn,
    OrderOut,
    OrderPatch,
    PaymentIn,
    PaymentOut,
    PaymentPatch,
    ServiceIn,
    ServiceOut,
    ServicePatch,
    VisitIn,
    VisitOut,
    VisitPatch,
)
from regulars.tenancy.access import Actor
from regulars.tenancy.http import actor_of

router = Router(tags=["history"])

CREATE_ERRORS: dict[int, Any] = {**WRITE_ERRORS, 422: ErrorOut}
IdempotencyKey = Annotated[
    str | None,
    param.Header(
        None,
        alias=HEADER,
        max_length=KEY_MAX,
        description="Any unique string (e.g. a UUID) per intended write: a retry with the "
        "same key and body answers the first result again; another body is a 422.",
    ),
]
CustomerFilter = Annotated[int, Field(ge=1, le=MAX_ID, description="Only this customer's rows.")]
InvoiceFilter = Annotated[int, Field(ge=1, le=MAX_ID, description="Only this invoice's payments.")]


def _json(schema: type[BaseModel], obj: Any, request: HttpRequest) -> Any:
    """The answer as a GET would render it, as plain JSON (kept for idempotent retries)."""
    dumped = schema.model_validate(obj, context={"request": request}).model_dump()
    return json.loads(json.dumps(dumped, cls=NinjaJSONEncoder))


def _create(
    request: HttpRequest,
    *,
    endpoint: str,
    key: str | None,
    data: dict[str, Any],
    run: Callable[[Actor], Any],
) -> HttpResponse:
    """Runs the write once per Idempotency-Key and answers its JSON (as ninja renders it)."""
    actor = actor_of(request)
    # Keys are the caller's own: another member (or key) sending the same key gets its own
    # write checked afresh, never someone else's stored answer.
    caller = (
        f"key{actor.api_key_id}"
        if actor.api_key_id
        else f"user{actor.user.pk if actor.user else 0}"
    )
    status, body = idempotent(
        org=actor.org,
        endpoint=f"{endpoint}:{caller}",
        key=key,
        body=data,
        run=lambda: (201, run(actor)),
    )
    return HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def _with_created(obj: Any, *, created: bool) -> Any:
    obj.customer_created = created
    return obj


# --- Services catalogue ---------------------------------------------------------------------


@router.get("/services", response={200: Page[ServiceOut], **ERRORS})
def service_list(
    request: HttpRequest,
    show: Literal["all", "offered"] = "all",
    cursor: Cursor | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    """The services catalogue, newest first; `show=offered` leaves out retired services."""
    actor = actor_of(request)
    rows = selectors.service_list(org=actor.org, actor=actor, offered_only=show == "offered")
    return cursor_page(rows, cursor=cursor, limit=limit, newest_first=True)


@router.post("/services", response={201: ServiceOut, **CREATE_ERRORS})
def service_create(
    request: HttpRequest, payload: ServiceIn, idempotency_key: IdempotencyKey = None
) -> Any:
    """Needs `services.manage` (owners and managers)."""
    data = payload.dict(exclude_unset=True)

    def run(actor: Actor) -> Any:
        service = catalogue.service_create(org=actor.org, actor=actor, data=data)
        return _json(ServiceOut, service, request)

    return _create(request, endpoint="services.create", key=idempotency_key, data=data, run=run)


@router.get("/services/{service_id}", response={200: ServiceOut, **ERRORS})
def service_get(request: HttpRequest, service_id: PathId) -> Any:
    actor = actor_of(request)
    return selectors.service_get_for_actor(org=actor.org, actor=actor, service_id=service_id)


@router.patch("/services/{service_id}", response={200: ServiceOut, **WRITE_ERRORS})
def service_update(request: HttpRequest, payload: ServicePatch, service_id: PathId) -> Any:
    """Changes the fields sent; `null` clears duration and price. Needs `services.manage`."""
    actor = actor_of(request)
    return catalogue.service_update(
        org=actor.org,
        actor=actor,
        service_id=service_id,
        data=payload.dict(exclude_unset=True),
    )


@router.delete("/services/{service_id}", response={200: ServiceOut, 204: None, **WRITE_ERRORS})
def service_delete(request: HttpRequest, service_id: PathId) -> Any:
    """Deletes an unused service (204). A service that visits or order lines name keeps its
    history: it is retired instead (`active: false`) and answered (200)."""
    actor = actor_of(request)
    if catalogue.service_delete(org=actor.org, actor=actor, service_id=service_id):
        return Status(204, None)
    return selectors.service_get_for_actor(org=actor.org, actor=actor, service_id=service_id)


# --- Visits ---------------------------------------------------------------------------------


@router.get("/visits", response={200: Page[VisitOut], **ERRORS})
def visit_list(
    request: HttpRequest,
    customer_id: CustomerFilter | None = None,
    cursor: Cursor | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    """Visits and appointments, newest recorded first."""
    actor = actor_of(request)
    rows = selectors.visit_list(org=actor.org, actor=actor, customer_id=customer_id)
    return cursor_page(rows, cursor=cursor, limit=limit, newest_first=True)


@router.post("/visits", response={201: VisitOut, **CREATE_ERRORS})
def visit_record(
    request: HttpRequest, payload: VisitIn, idempotency_key: IdempotencyKey = None
) -> Any:
    """A visit of `customer_id`, or of the customer `customer`'s keys find (created from the
    event when nobody has them; 409 `ambiguous_customer` with `candidates` when several do).
    Only a completed visit counts as a visit and as spend (amount less discount)."""
    data = payload.dict(exclude_unset=True)

    def run(actor: Actor) -> Any:
        visit, created = visits.visit_record(org=actor.org, actor=actor, data=data)
        found = selectors.visit_get_for_actor(org=actor.org, actor=actor, visit_id=visit.pk)
        return _json(VisitOut, _with_created(found, created=created), request)

    return _create(request, endpoint="visits.create", key=idempotency_key, data=data, run=run)


@router.get("/visits/{visit_id}", response={200: VisitOut, **ERRORS})
def visit_get(request: HttpRequest, visit_id: PathId) -> Any:
    actor = actor_of(request)
    return selectors.visit_get_for_actor(org=actor.org, actor=actor, visit_id=visit_id)


@router.patch("/visits/{visit_id}", response={200: VisitOut, **WRITE_ERRORS})
def visit_update(request: HttpRequest, payload: VisitPatch, visit_id: PathId) -> Any:
    """Changes the fields sent; `service_ids` replaces the services."""
    actor = actor_of(request)
    visits.visit_update(
        org=actor.org, actor=actor, visit_id=visit_id, data=payload.dict(exclude_unset=True)
    )
    return selectors.visit_get_for_actor(org=actor.org, actor=actor, visit_id=visit_id)


@router.delete("/visits/{visit_id}", response={204: None, **WRITE_ERRORS})
def visit_delete(request: HttpRequest, visit_id: PathId) -> Any:
    actor = actor_of(request)
    visits.visit_delete(org=actor.org, actor=actor, visit_id=visit_id)
    return Status(204, None)


# --- Orders ---------------------------------------------------------------------------------


@router.get("/orders", response={200: Page[OrderOut], **ERRORS})
def order_list(
    request: HttpRequest,
    customer_id: CustomerFilter | None = None,
    cursor: Cursor | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    """Orders and refunds, newest recorded first."""
    actor = actor_of(request)
    rows = selectors.order_list(org=actor.org, actor=actor, customer_id=customer_id)
    return cursor_page(rows, cursor=cursor, limit=limit, newest_first=True)


@router.post("/orders", response={201: OrderOut, **CREATE_ERRORS})
def order_record(
    request: HttpRequest, payload: OrderIn, idempotency_key: IdempotencyKey = None
) -> Any:
    """An order of `customer_id` or of the customer `customer`'s keys find (as for visits):
    `lines`, or a plain `amount`. A negative amount with `refund_of_id` refunds that order
    (at most what is left of it)."""
    data = payload.dict(exclude_unset=True)

    def run(actor: Actor) -> Any:
        order, created = orders.order_record(org=actor.org, actor=actor, data=data)
        found = selectors.order_get_for_actor(org=actor.org, actor=actor, order_id=order.pk)
        return _json(OrderOut, _with_created(found, created=created), request)

    return _create(request, endpoint="orders.create", key=idempotency_key, data=data, run=run)


@router.get("/orders/{order_id}", response={200: OrderOut, **ERRORS})
def order_get(request: HttpRequest, order_id: PathId) -> Any:
    actor = actor_of(request)
    return selectors.order_get_for_actor(org=actor.org, actor=actor, order_id=order_id)


@router.patch("/orders/{order_id}", response={200: OrderOut, **WRITE_ERRORS})
def order_update(request: HttpRequest, payload: OrderPatch, order_id: PathId) -> Any:
    """Changes the fields sent; `lines` replaces every line, `amount` the plain amount."""
    actor = actor_of(request)
    orders.order_update(
        org=actor.org, actor=actor, order_id=order_id, data=payload.dict(exclude_unset=True)
    )
    return selectors.order_get_for_actor(org=actor.org, actor=actor, order_id=order_id)


@router.delete("/orders/{order_id}", response={204: None, **WRITE_ERRORS})
def order_delete(request: HttpRequest, order_id: PathId) -> Any:
    """409 `has_refunds` while refunds point to it."""
    actor = actor_of(request)
    orders.order_delete(org=actor.org, actor=actor, order_id=order_id)
    return Status(204, None)


# --- Invoices -------------------------------------------------------------------------------


@router.get("/invoices", response={200: Page[InvoiceOut], **ERRORS})
def invoice_list(
    request: HttpRequest,
    customer_id: CustomerFilter | None = None,
    cursor: Cursor | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    """Invoices, newest recorded first; `status` is derived with the organization's today."""
    actor = actor_of(request)
    rows = selectors.invoice_list(org=actor.org, actor=actor, customer_id=customer_id)
    return cursor_page(rows, cursor=cursor, limit=limit, newest_first=True)


@router.post("/invoices", response={201: InvoiceOut, **CREATE_ERRORS})
def invoice_record(
    request: HttpRequest, payload: InvoiceIn, idempotency_key: IdempotencyKey = None
) -> Any:
    """An invoice of `customer_id` or of the customer `customer`'s keys find (as for visits)."""
    data = payload.dict(exclude_unset=True)

    def run(actor: Actor) -> Any:
        invoice, created = invoices.invoice_record(org=actor.org, actor=actor, data=data)
        found = selectors.invoice_get_for_actor(org=actor.org, actor=actor, invoice_id=invoice.pk)
        return _json(InvoiceOut, _with_created(found, created=created), request)

    return _create(request, endpoint="invoices.create", key=idempotency_key, data=data, run=run)


@router.get("/invoices/{invoice_id}", response={200: InvoiceOut, **ERRORS})
def invoice_get(request: HttpRequest, invoice_id: PathId) -> Any:
    actor = actor_of(request)
    return selectors.invoice_get_for_actor(org=actor.org, actor=actor, invoice_id=invoice_id)


@router.patch("/invoices/{invoice_id}", response={200: InvoiceOut, **WRITE_ERRORS})
def invoice_update(request: HttpRequest, payload: InvoicePatch, invoice_id: PathId) -> Any:
    """Changes the fields sent; `written_off: true` writes it off today, false undoes it."""
    actor = actor_of(request)
    invoices.invoice_update(
        org=actor.org, actor=actor, invoice_id=invoice_id, data=payload.dict(exclude_unset=True)
    )
    return selectors.invoice_get_for_actor(org=actor.org, actor=actor, invoice_id=invoice_id)


@router.delete("/invoices/{invoice_id}", response={204: None, **WRITE_ERRORS})
def invoice_delete(request: HttpRequest, invoice_id: PathId) -> Any:
    """409 `has_payments` while payments are recorded against it (write it off instead)."""
    actor = actor_of(request)
    invoices.invoice_delete(org=actor.org, actor=actor, invoice_id=invoice_id)
    return Status(204, None)


# --- Payments -------------------------------------------------------------------------------


@router.get("/payments", response={200: Page[PaymentOut], **ERRORS})
def payment_list(
    request: HttpRequest,
    customer_id: CustomerFilter | None = None,
    invoice_id: InvoiceFilter | None = None,
    cursor: Cursor | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    """Payments, newest recorded first."""
    actor = actor_of(request)
    rows = selectors.payment_list(
        org=actor.org, actor=actor, customer_id=customer_id, invoice_id=invoice_id
    )
    return cursor_page(rows, cursor=cursor, limit=limit, newest_first=True)


@router.post("/payments", response={201: PaymentOut, **CREATE_ERRORS})
def payment_record(
    request: HttpRequest, payload: PaymentIn, idempotency_key: IdempotencyKey = None
) -> Any:
    """A payment against `invoice_id`, at most the invoice's balance."""
    data = payload.dict(exclude_unset=True)

    def run(actor: Actor) -> Any:
        payment = invoices.payment_record(org=actor.org, actor=actor, data=data)
        return _json(PaymentOut, payment, request)

    return _create(request, endpoint="payments.create", key=idempotency_key, data=data, run=run)


@router.get("/payments/{payment_id}", response={200: PaymentOut, **ERRORS})
def payment_get(request: HttpRequest, payment_id: PathId) -> Any:
    actor = actor_of(request)
    return selectors.payment_get_for_actor(org=actor.org, actor=actor, payment_id=payment_id)


@router.patch("/payments/{payment_id}", response={200: PaymentOut, **WRITE_ERRORS})
def payment_update(request: HttpRequest, payload: PaymentPatch, payment_id: PathId) -> Any:
    actor = actor_of(request)
    return invoices.payment_update(
        org=actor.org, actor=actor, payment_id=payment_id, data=payload.dict(exclude_unset=True)
    )


@router.delete("/payments/{payment_id}", response={204: None, **WRITE_ERRORS})
def payment_delete(request: HttpRequest, payment_id: PathId) -> Any:
    actor = actor_of(request)
    invoices.payment_delete(org=actor.org, actor=actor, payment_id=payment_id)
    return Status(204, None)
