"""Helpers for views and API handlers to reach the actor the channel established."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from regulars.core.errors import Forbidden, NotFound
from regulars.tenancy.access import Actor

F = TypeVar("F", bound=Callable[..., HttpResponse])


def actor_of(request: HttpRequest) -> Actor:
    actor = getattr(request, "auth", None) or getattr(request, "actor", None)
    if not isinstance(actor, Actor):
        raise Forbidden(detail="No organization is active for this login.")
    return actor


def staff_required(capability: str | None = None) -> Callable[[F], F]:
    """Pages: the login page for the anonymous, 'no organization' for a login without one,
    403 for a role that lacks the capability. Domain errors become friendly pages.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            actor = getattr(request, "actor", None)
            if actor is None:
                return render(request, "tenancy/no_organization.html", status=403)
            if capability is not None and not actor.can(capability):
                return render(request, "errors/403.html", status=403)
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                return render(request, "errors/404.html", status=404)
            except Forbidden:
                return render(request, "errors/403.html", status=403)

        return wrapper  # type: ignore[return-value]

    return decorate
