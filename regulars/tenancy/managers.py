"""The fail-closed default manager of every tenant model."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from django.db import models

from regulars.tenancy.scope import ScopeError, current_org

M = TypeVar("M", bound=models.Model)


def _org_id_of(values: dict[str, Any]) -> Any:
    if "organization" in values:
        org = values["organization"]
        return getattr(org, "pk", org)
    return values.get("organization_id")


class TenantQuerySet(models.QuerySet[M], Generic[M]):
    """Refuses writes that would put a row into, or move it to, another organization."""

    def _scope_id(self) -> int:
        org = current_org()
        if org is None:
            raise ScopeError(f"{self.model.__name__} written with no organization in scope.")
        return int(org.pk)

    def create(self, **kwargs: Any) -> M:
        scope_id = self._scope_id()
        given = _org_id_of(kwargs)
        if given is None:
            kwargs["organization_id"] = scope_id
        elif given != scope_id:
            raise ScopeError(f"{self.model.__name__} created for another organization.")
        return super().create(**kwargs)

    def bulk_create(self, objs: Iterable[M], *args: Any, **kwargs: Any) -> list[M]:
        scope_id = self._scope_id()
        objs = list(objs)
        for obj in objs:
            org_id = getattr(obj, "organization_id", None)
            if org_id is None:
                obj.organization_id = scope_id  # type: ignore[attr-defined]
            elif org_id != scope_id:
                raise ScopeError(f"{self.model.__name__} bulk-created for another organization.")
        return super().bulk_create(objs, *args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        given = _org_id_of(kwargs)
        if given is not None and given != self._scope_id():
            raise ScopeError(f"{self.model.__name__} moved to another organization.")
        return super().update(**kwargs)


class TenantManager(models.Manager[M], Generic[M]):
    """Filters by the organization in scope; with none in scope, raises on first use.

    Reverse relations (`customer.notes`) are built from this class, so they are scoped too.
    Foreign-key access and deletion use `_base_manager`, which is unfiltered.
    """

    def get_queryset(self) -> TenantQuerySet[M]:
        org = current_org()
        if org is None:
            raise ScopeError(
                f"{self.model.__name__} queried with no organization in scope; "
                "open one with tenant_scope(org) or use .unscoped where that is intended."
            )
        return TenantQuerySet(self.model, using=self._db).filter(organization_id=org.pk)
