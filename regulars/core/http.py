"""The client's address, as the one place that knows about reverse proxies."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with REGULARS_PROXY_COUNT proxies in front, the address the nearest
    trusted proxy saw (counted from the right of X-Forwarded-For, which a client can only
    prepend to)."""
    proxies: int = settings.REGULARS_PROXY_COUNT
    remote = str(request.META.get("REMOTE_ADDR", ""))
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    return str(forwarded[-proxies])
