"""The REST API under /api/v1/: one NinjaAPI, each app's router, one error body."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.views import openapi_json

from regulars.accounts.api import router as accounts_router
from regulars.accounts.auth import ApiKeyAuth, StaffSessionAuth
from regulars.audit.api import router as audit_router
from regulars.core.errors import DomainError
from regulars.customers.api import router as customers_router
from regulars.customers.custom_field_api import router as custom_fields_router
from regulars.customers.reminder_api import router as reminders_router
from regulars.history.api import router as history_router
from regulars.jobs.api import router as jobs_router
from regulars.lists.api import router as lists_router
from regulars.tenancy.api import router as tenancy_router
from regulars.transfer.api import router as transfer_router
from regulars.transfer.export_api import router as export_router


def docs_for_staff(view: Callable[..., Any]) -> Callable[..., Any]:
    """The interactive docs are for logged-in staff; the OpenAPI document itself holds no
    data, so tools and API-key clients fetch it without a session."""
    if getattr(view, "func", None) is openapi_json:
        return view
    return login_required(view)


class RegularsAPI(NinjaAPI):
    """NinjaAPI whose routing answers carry the error body too.

    ninja answers a method a path does not support with a plain-text 405, and Django answers
    a path that matches no route (`/customers/1/x`, `/api/v1/`) with the site's HTML 404.
    """

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_routing_errors(pattern.callback)
        urls.append(re_path(r"^", _unknown_path, name="unknown-path"))  # anything left over
        return urls


def _json_routing_errors(view: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
    @wraps(view)  # keeps ninja's csrf_exempt flag
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except Http404:  # ninja's root view (`/api/v1/`) raises it
            return _unknown_path(request)
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        allowed = ", ".join(sorted(m.strip() for m in response["Allow"].split(",")))
        json_response = api.create_response(
            request,
            error_body(f"Method {request.method} is not allowed here.", "method_not_allowed"),
            status=405,
        )
        json_response["Allow"] = allowed
        return json_response

    return wrapper


@csrf_exempt
def _unknown_path(request: HttpRequest) -> HttpResponse:
    return api.create_response(request, error_body("Not found.", "not_found"), status=404)


api = RegularsAPI(
    title="Regulars API",
    version="1",
    urls_namespace="api-v1",
    auth=[ApiKeyAuth(), StaffSessionAuth()],
    docs_decorator=docs_for_staff,
    description=(
        "Authenticate with `Authorization: Bearer <key>` (an API key an owner creates in "
        "Settings → API keys) or with a logged-in browser session plus CSRF token. Errors "
        "share one body: `{detail, code, errors: [{field, message}]}`. Lists are cursor "
        "paginated: pass `next_cursor` back as `cursor`."
    ),
)

api.add_router("", tenancy_router)
api.add_router("", accounts_router)
api.add_router("", jobs_router)
api.add_router("", audit_router)
api.add_router("", lists_router)  # before /customers/{customer_id}: "bulk" is not an id
api.add_router("", customers_router)
api.add_router("", custom_fields_router)
api.add_router("", reminders_router)
api.add_router("", transfer_router)
api.add_router("", export_router)
api.add_router("", history_router)


def error_body(
    detail: str, code: str, errors: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    return {"detail": detail, "code": code, "errors": errors or []}


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    errors = [{"field": e.field, "message": e.message} for e in exc.errors]
    body = {**error_body(exc.detail, exc.code, errors), **exc.extra}
    return api.create_response(request, body, status=exc.status)


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    # ninja's locations start with the source ("body", "query", "path") and the schema name.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie", "form")]
    if len(parts) > 1 and parts[0] in {"payload", "data", "filters"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": _field_name(e.get("loc", ())), "message": str(e.get("msg", "Invalid value."))}
        for e in exc.errors
    ]
    detail = f"{errors[0]['field']}: {errors[0]['message']}" if errors else "Invalid input."
    return api.create_response(request, error_body(detail, "invalid", errors), status=400)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        error_body(
            "Authentication required: send an API key as a Bearer token or log in.",
            "not_authenticated",
        ),
        status=401,
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(
        request,
        error_body(str(exc), "forbidden" if exc.status_code == 403 else "error"),
        status=exc.status_code,
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, error_body("Not found.", "not_found"), status=404)
