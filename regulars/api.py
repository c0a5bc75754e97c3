"""The REST API under /api/v1/: one NinjaAPI, each app's router, one error body."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from regulars.accounts.api import router as accounts_router
from regulars.accounts.auth import ApiKeyAuth, StaffSessionAuth
from regulars.audit.api import router as audit_router
from regulars.core.errors import DomainError
from regulars.customers.api import router as customers_router
from regulars.jobs.api import router as jobs_router
from regulars.tenancy.api import router as tenancy_router

api = NinjaAPI(
    title="Regulars API",
    version="1",
    urls_namespace="api-v1",
    auth=[ApiKeyAuth(), StaffSessionAuth()],
    docs_decorator=login_required,
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
api.add_router("", customers_router)


def error_body(
    detail: str, code: str, errors: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    return {"detail": detail, "code": code, "errors": errors or []}


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    errors = [{"field": e.field, "message": e.message} for e in exc.errors]
    return api.create_response(request, error_body(exc.detail, exc.code, errors), status=exc.status)


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
