"""Categories ("customer types"): managing them, and setting a customer's categories.

Managing needs `categories.manage`; putting a customer into categories is an edit of the
customer (`customers.edit`), so staff can do it without managing the list.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from regulars.audit.services import audit_record, diff
from regulars.core.errors import DomainError
from regulars.customers.models import COLOUR_RE, DEFAULT_COLOUR, Category, Customer
from regulars.customers.selectors import category_get_for_actor, customer_get_for_actor
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization
from regulars.tenancy.rows import require_free_name, rows_for_ids, save_named
from regulars.tenancy.scope import assert_in_scope

FIELDS = ("name", "colour", "description")
NAME_MAX = Category._meta.get_field("name").max_length or 100
DESCRIPTION_MAX = Category._meta.get_field("description").max_length or 500


def _text(value: Any) -> str:
    return str(value or "").strip()


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """The known fields, trimmed and checked; each problem names its field."""
    cleaned = {k: _text(data[k]) for k in FIELDS if k in data and data[k] is not None}
    for name, value in cleaned.items():
        if "\x00" in value:
            raise DomainError.for_field(name, "Must not contain NUL characters.")
    if "name" in cleaned:
        if not cleaned["name"]:
            raise DomainError.for_field("name", "A category needs a name.")
        if len(cleaned["name"]) > NAME_MAX:
            raise DomainError.for_field("name", f"At most {NAME_MAX} characters.")
    if "colour" in cleaned:
        if not re.fullmatch(COLOUR_RE, cleaned["colour"]):
            raise DomainError.for_field("colour", "Enter a colour as #rrggbb, e.g. #0f766e.")
        cleaned["colour"] = cleaned["colour"].lower()
    if len(cleaned.get("description", "")) > DESCRIPTION_MAX:
        raise DomainError.for_field("description", f"At most {DESCRIPTION_MAX} characters.")
    return cleaned


@transaction.atomic
def category_create(*, org: Organization, actor: Actor, data: dict[str, Any]) -> Category:
    assert_in_scope(org)
    actor.require(Cap.CATEGORIES_MANAGE)
    cleaned = _clean(data)
    if "name" not in cleaned:
        raise DomainError.for_field("name", "A category needs a name.")
    category = Category(organization=org, **{"colour": DEFAULT_COLOUR, **cleaned})
    require_free_name(Category, category.name, noun="category")
    save_named(category, noun="category")
    audit_record(
        org=org,
        actor=actor,
        action="customers.category.created",
        target=category,
        changes={k: getattr(category, k) for k in FIELDS},
    )
    return category


@transaction.atomic
def category_update(
    *, org: Organization, actor: Actor, category_id: int, data: dict[str, Any]
) -> Category:
    category = category_get_for_actor(org=org, actor=actor, category_id=category_id)
    actor.require(Cap.CATEGORIES_MANAGE)
    cleaned = _clean(data)
    changes = diff(category, cleaned)
    for name, value in cleaned.items():
        setattr(category, name, value)
    if "name" in changes:
        require_free_name(Category, category.name, noun="category", exclude_id=category.pk)
    if changes:
        save_named(category, noun="category", update_fields=list(changes))
        audit_record(
            org=org,
            actor=actor,
            action="customers.category.updated",
            target=category,
            changes=changes,
        )
    return category


@transaction.atomic
def category_delete(*, org: Organization, actor: Actor, category_id: int) -> None:
    """Deletes the category; its customers simply lose it (the customers stay)."""
    category = category_get_for_actor(org=org, actor=actor, category_id=category_id)
    actor.require(Cap.CATEGORIES_MANAGE)
    audit_record(
        org=org,
        actor=actor,
        action="customers.category.deleted",
        target=category,
        changes={"name": category.name, "colour": category.colour},
    )
    category.delete()


@transaction.atomic
def customer_categories_set(
    *, org: Organization, actor: Actor, customer_id: int, category_ids: list[int]
) -> Customer:
    """Replaces the customer's categories; a call that changes nothing writes nothing."""
    customer = customer_get_for_actor(org=org, actor=actor, customer_id=customer_id)
    actor.require(Cap.CUSTOMERS_EDIT)
    categories = rows_for_ids(Category, category_ids, field="category_ids", noun="categories")
    old = sorted(customer.categories.values_list("id", flat=True))
    new = sorted(c.pk for c in categories)
    if old != new:
        customer.categories.set(categories)
        customer.save(update_fields=["updated_at"])
        audit_record(
            org=org,
            actor=actor,
            action="customers.customer.categories_changed",
            target=customer,
            changes={"categories": (old, new)},
        )
    return customer
