"""Small write helpers every tenant model shares: ids that must be the organization's own,
names unique within the organization, and model validation as a field-naming error."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from regulars.core.errors import DomainError, FieldError

M = TypeVar("M", bound=models.Model)


def rows_for_ids(model: type[M], ids: list[int], *, field: str, noun: str) -> list[M]:
    """The rows with these ids in the organization in scope. A missing or another
    organization's id is the caller's error, named after `field`."""
    wanted = set(ids)
    rows = list(model._default_manager.filter(id__in=wanted))
    if len(rows) != len(wanted):
        raise DomainError.for_field(field, f"One of the chosen {noun} does not exist.")
    return rows


def name_taken_error(noun: str, name: str) -> DomainError:
    return DomainError.for_field("name", f"A {noun} named {name!r} already exists.")


def require_free_name(
    model: type[models.Model], name: str, *, noun: str, exclude_id: int | None = None
) -> None:
    """Names are unique in the organization whatever their case."""
    clash = model._default_manager.filter(name__iexact=name)
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        raise name_taken_error(noun, name)


def save_named(instance: models.Model, *, noun: str, **kwargs: Any) -> None:
    """Saves; a concurrent save of the same name (the unique constraint) is a field error."""
    try:
        with transaction.atomic():
            instance.save(**kwargs)
    except IntegrityError as exc:
        raise name_taken_error(noun, str(getattr(instance, "name", ""))) from exc


def validate_fields(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """Model validation turned into a DomainError that names each field."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = [
            FieldError(name, str(message))
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
        raise DomainError(detail=errors[0].message, errors=errors) from exc
