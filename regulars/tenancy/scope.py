"""The active organization of the current request, job or command.

Exactly one place per channel opens a scope: the tenant middleware (pages and session API
calls), the API key auth class, the job wrapper and `--org` commands. Tenant managers read
it and refuse to query without one, so a forgotten filter fails loudly instead of leaking.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regulars.tenancy.models import Organization


class ScopeError(RuntimeError):
    """A tenant model was queried with no organization in scope."""


_current: ContextVar[Organization | None] = ContextVar("regulars_org", default=None)


def current_org() -> Organization | None:
    return _current.get()


def require_org() -> Organization:
    org = _current.get()
    if org is None:
        raise ScopeError("No organization in scope: open one with tenant_scope(org).")
    return org


def activate(org: Organization | None) -> Token[Organization | None]:
    """Set the scope until the returned token is reset; for channels that cannot use `with`."""
    return _current.set(org)


def deactivate(token: Token[Organization | None]) -> None:
    _current.reset(token)


@contextmanager
def tenant_scope(org: Organization) -> Iterator[Organization]:
    token = _current.set(org)
    try:
        yield org
    finally:
        _current.reset(token)


def assert_in_scope(org: Organization) -> None:
    """Services take `org` explicitly and check it matches the scope the channel opened."""
    active = require_org()
    if active.pk != org.pk:
        raise ScopeError(f"Organization {org.pk} passed while {active.pk} is in scope.")
