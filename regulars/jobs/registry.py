"""Job kinds: each app registers the function that does one kind of work.

One task (`run_job`) runs every kind, so the reaper can re-queue any job by id alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from regulars.jobs.runner import JobContext


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    run: Callable[[JobContext], dict[str, Any] | None]
    capability: str


_KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str, *, label: str, capability: str
) -> Callable[
    [Callable[[JobContext], dict[str, Any] | None]], Callable[[JobContext], dict[str, Any] | None]
]:
    def register(
        func: Callable[[JobContext], dict[str, Any] | None],
    ) -> Callable[[JobContext], dict[str, Any] | None]:
        if name in _KINDS:
            raise ValueError(f"Job kind {name!r} is registered twice.")
        _KINDS[name] = JobKind(name=name, label=label, run=func, capability=capability)
        return func

    return register


def get_kind(name: str) -> JobKind:
    return _KINDS[name]


def find_kind(name: str) -> JobKind | None:
    """The kind, or None when no app registers it (any more)."""
    return _KINDS.get(name)


def kinds() -> dict[str, JobKind]:
    return dict(_KINDS)
