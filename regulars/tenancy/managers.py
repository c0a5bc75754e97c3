"""The fail-closed default manager of every tenant model."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.db import models

from regulars.tenancy.scope import ScopeError, current_org

M = TypeVar("M", bound=models.Model)


class TenantManager(models.Manager[M], Generic[M]):
    """Filters by the organization in scope; with none in scope, raises on first use.

    Reverse relations (`customer.notes`) are built from this class, so they are scoped too.
    Foreign-key access and deletion use `_base_manager`, which is unfiltered.
    """

    def get_queryset(self) -> models.QuerySet[M]:
        org = current_org()
        if org is None:
            raise ScopeError(
                f"{self.model.__name__} queried with no organization in scope; "
                "open one with tenant_scope(org) or use .unscoped where that is intended."
            )
        return super().get_queryset().filter(organization_id=org.pk)

    def create(self, **kwargs: Any) -> M:
        org = current_org()
        if org is None:
            raise ScopeError(f"{self.model.__name__} created with no organization in scope.")
        given = kwargs.setdefault("organization", org)
        if given.pk != org.pk:
            raise ScopeError(f"{self.model.__name__} created for another organization.")
        return super().create(**kwargs)
