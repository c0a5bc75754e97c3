"""Small text helpers shared by every app."""

from __future__ import annotations

SECRET_WORDS = ("password", "secret", "token", "key_hash", "api_key", "otp")


def is_secret_field(name: str) -> bool:
    """Fields whose values must never be written to a log or an audit entry."""
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


def query_text(value: str | None, *, max_length: int = 200) -> str:
    """Text from a query string made storable and searchable: no NUL (PostgreSQL refuses
    it), no lone surrogates, trimmed and bounded."""
    text = (value or "").replace("\x00", "").encode("utf-8", "ignore").decode("utf-8")
    return text.strip()[:max_length]
