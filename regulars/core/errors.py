"""Domain errors that services raise and every channel (page, API, CLI) turns into an answer.

They carry what a user needs to fix the problem: a message, a stable code, and the fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldError:
    field: str
    message: str


@dataclass
class DomainError(Exception):
    """A rule of the domain was broken by the caller's input; answered with a 4xx."""

    detail: str
    code: str = "invalid"
    errors: list[FieldError] = field(default_factory=list)
    status: int = 400
    # More for the API body, e.g. {"current_version": 7} on a version conflict.
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.detail

    @classmethod
    def for_field(cls, name: str, message: str, code: str = "invalid") -> DomainError:
        return cls(detail=message, code=code, errors=[FieldError(name, message)])


@dataclass
class NotFound(DomainError):
    """Missing, or belonging to another organization or outside the actor's locations.

    The two are never told apart: a 404 gives no existence oracle.
    """

    detail: str = "Not found."
    code: str = "not_found"
    status: int = 404


@dataclass
class Forbidden(DomainError):
    """The actor's role lacks a capability inside their own organization."""

    detail: str = "You do not have permission to do this."
    code: str = "forbidden"
    status: int = 403


@dataclass
class Conflict(DomainError):
    """The write clashes with the current state (a version, a duplicate, a merge)."""

    code: str = "conflict"
    status: int = 409


@dataclass
class Gone(DomainError):
    """It existed and is no more (an expired download link): say so, rather than 404."""

    detail: str = "This is no longer available."
    code: str = "gone"
    status: int = 410
