"""Reads of custom field definitions: anyone who sees customers sees the fields."""

from __future__ import annotations

from django.db.models import QuerySet

from regulars.core.errors import NotFound
from regulars.customers.models import CustomField
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope


def custom_field_list(*, org: Organization, actor: Actor) -> QuerySet[CustomField]:
    """The organization's custom fields in form order, each with its options."""
    assert_in_scope(org)
    actor.require(Cap.CUSTOMERS_VIEW)
    return CustomField.objects.prefetch_related("options").order_by("position", "label", "id")


def custom_field_get_for_actor(*, org: Organization, actor: Actor, field_id: int) -> CustomField:
    """Raises NotFound for missing and foreign fields alike."""
    field = custom_field_list(org=org, actor=actor).filter(pk=field_id).first()
    if field is None:
        raise NotFound()
    return field
