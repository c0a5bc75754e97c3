"""Small text helpers shared by every app."""

from __future__ import annotations

SECRET_WORDS = ("password", "secret", "token", "key_hash", "api_key", "otp")


def is_secret_field(name: str) -> bool:
    """Fields whose values must never be written to a log or an audit entry."""
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)
