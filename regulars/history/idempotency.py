"""`Idempotency-Key` for the history POSTs: a till that retries after a timeout must not
record the sale twice. The first successful answer is kept per organization, endpoint and
key for 30 days; a retry with the same body gets it again, the same key with a different
body is refused (422)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from regulars.core.errors import DomainError
from regulars.history.models import IdempotencyKey
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope

KEEP = timedelta(days=30)
KEY_MAX = 255
HEADER = "Idempotency-Key"


class _Lost(Exception):
    """Another request with the same key committed first; this one rolls back."""


def _body_hash(body: Any) -> str:
    text = json.dumps(body, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _clean_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > KEY_MAX or not key.isprintable() or not key.isascii():
        raise DomainError.for_field(HEADER, f"Send 1 to {KEY_MAX} printable ASCII characters.")
    return key


def _replay(found: IdempotencyKey, body_hash: str) -> tuple[int, Any]:
    if found.body_hash != body_hash:
        raise DomainError(
            detail=f"This {HEADER} was used with a different request body; use a new key.",
            code="idempotency_key_reused",
            status=422,
            errors=[],
        )
    return found.status_code, found.response


def idempotent(
    *,
    org: Organization,
    endpoint: str,
    key: str | None,
    body: Any,
    run: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    """`run()` once per (organization, endpoint, key); its (status, JSON body) is kept when
    it succeeds. Without a key, just `run()`. An error is not kept: a retry runs again."""
    if key is None:
        return run()
    assert_in_scope(org)
    key = _clean_key(key)
    body_hash = _body_hash(body)
    fresh_since = timezone.now() - KEEP
    try:
        with transaction.atomic():
            found = IdempotencyKey.objects.filter(endpoint=endpoint, key=key).first()
            if found is not None and found.created_at >= fresh_since:
                return _replay(found, body_hash)
            if found is not None:
                found.delete()  # expired: the key may be used afresh
            status, response = run()
            try:
                with transaction.atomic():
                    IdempotencyKey.objects.create(
                        organization=org,
                        endpoint=endpoint,
                        key=key,
                        body_hash=body_hash,
                        status_code=status,
                        response=response,
                    )
            except IntegrityError:
                raise _Lost() from None
            return status, response
    except _Lost:
        # The write above rolled back; answer with what the first request recorded.
        found = IdempotencyKey.objects.get(endpoint=endpoint, key=key)
        return _replay(found, body_hash)


def idempotency_keys_expire(*, org: Organization) -> int:
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    return deleted
