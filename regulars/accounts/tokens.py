"""Secrets that are shown once and stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

API_KEY_PREFIX = "rg_"
_PREFIX = re.compile(r"[0-9a-f]{12}")


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


def new_api_key() -> tuple[str, str]:
    """Returns (full key, lookup prefix). The prefix is stored plain to find the row."""
    prefix = secrets.token_hex(6)
    return f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(30)}", prefix


def split_api_key(key: str) -> str | None:
    if not key.startswith(API_KEY_PREFIX):
        return None
    prefix, _, rest = key[len(API_KEY_PREFIX) :].partition("_")
    if not _PREFIX.fullmatch(prefix) or not rest:
        return None  # nothing but a prefix we made reaches the database
    return prefix


def same_hash(value: str, stored: str) -> bool:
    return hmac.compare_digest(hash_secret(value), stored)
