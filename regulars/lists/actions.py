"""Bulk actions on a selection: add to / remove from a category, set a field, deactivate,
reactivate, delete.

Each action is one small class; `apply` works on one batch of ids inside the caller's
transaction, changes only the customers it must (a customer already in the category is
"unchanged"), moves their `version` on, and writes exactly one audit entry per changed
customer. Customers the actor may no longer see, or that were deleted meanwhile, are
"skipped".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db.models import F, QuerySet
from django.utils import timezone

from regulars.audit.services import AuditItem, audit_record_many
from regulars.core.errors import DomainError
from regulars.customers.categories import category_create
from regulars.customers.models import Category, Customer, CustomerStatus
from regulars.customers.search import SEARCH_SOURCES, search_fields_set
from regulars.customers.selectors import category_get_for_actor, customer_list
from regulars.customers.services import clean_record
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization

# Per changed customer, in id order: the changes its audit entry records.
Changes = dict[int, dict[str, Any]]


def _category_name(category_id: int) -> str:
    """The audit names the category as people know it (its id stays in the job's params);
    one deleted while the job waited is named by its id."""
    name = Category.objects.filter(pk=category_id).values_list("name", flat=True).first()
    return name if name is not None else f"category #{category_id}"


@dataclass
class Tally:
    """What a bulk action did: every selected customer is in exactly one of the three."""

    changed: int = 0
    unchanged: int = 0
    skipped: int = 0

    @property
    def matched(self) -> int:
        return self.changed + self.unchanged + self.skipped

    def add(self, other: Tally) -> None:
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.skipped += other.skipped

    def as_dict(self) -> dict[str, int]:
        return {
            "matched": self.matched,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }


@dataclass
class Action:
    """One kind of bulk change. Subclasses set `name`, `label`, `capability` and implement
    `clean` (checked once, when the user confirms) and `change` (per batch)."""

    name: ClassVar[str]
    label: ClassVar[str]
    capability: ClassVar[str] = Cap.CUSTOMERS_EDIT
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def clean(cls, *, org: Organization, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
        return {}

    def describe(self) -> str:
        return self.label

    def change(self, customers: QuerySet[Customer]) -> Changes:
        """Changes what must change among `customers` (live, visible, this batch); returns
        each changed customer's audit changes, in id order: `{field: (old, new)}` as a
        single customer's edit records it, or `{name: plain value}`."""
        raise NotImplementedError  # pragma: no cover  (every action overrides it)

    def apply(self, *, org: Organization, actor: Actor, ids: list[int]) -> Tally:
        actor.require(self.capability)
        visible = customer_list(org=org, actor=actor).filter(id__in=ids)
        seen = set(visible.values_list("id", flat=True))
        changes = self.change(visible)
        changed = list(changes)
        if changed:
            Customer.objects.filter(id__in=changed).update(
                version=F("version") + 1, updated_at=timezone.now()
            )
            audit_record_many(
                org=org,
                actor=actor,
                items=[
                    AuditItem(
                        action=f"customers.customer.bulk_{self.name}",
                        customer_id=customer_id,
                        target_label=f"customer #{customer_id}",
                        changes=changes[customer_id],
                    )
                    for customer_id in changed
                ],
            )
        return Tally(
            changed=len(changed),
            unchanged=len(seen) - len(changed),
            skipped=len(set(ids) - seen),
        )


ACTIONS: dict[str, type[Action]] = {}


def action(cls: type[Action]) -> type[Action]:
    ACTIONS[cls.name] = cls
    return cls


def _category(org: Organization, actor: Actor, params: dict[str, Any]) -> int:
    category_id = params.get("category_id")
    new = params.get("new_category")
    if new:
        if not isinstance(new, dict):
            raise DomainError.for_field("new_category", "Give the new category as {name, colour}.")
        return category_create(org=org, actor=actor, data=new).pk
    if isinstance(category_id, bool) or not isinstance(category_id, int):
        raise DomainError.for_field("category_id", "Choose a category.")
    try:
        return category_get_for_actor(org=org, actor=actor, category_id=category_id).pk
    except DomainError as exc:
        raise DomainError.for_field("category_id", "This category does not exist.") from exc


@action
@dataclass
class AddCategory(Action):
    name: ClassVar[str] = "add_category"
    label: ClassVar[str] = "Add to category"

    @classmethod
    def clean(cls, *, org: Organization, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
        # A category created on the spot is made once, here, not per batch.
        return {"category_id": _category(org, actor, params)}

    def change(self, customers: QuerySet[Customer]) -> Changes:
        category_id = self.params["category_id"]
        through = Customer.categories.through
        changed = list(
            customers.exclude(categories=category_id).order_by("id").values_list("id", flat=True)
        )
        through.objects.bulk_create(
            [through(customer_id=cid, category_id=category_id) for cid in changed]
        )
        if not changed:
            return {}
        change = {"category_added": _category_name(category_id)}
        return {cid: dict(change) for cid in changed}


@action
@dataclass
class RemoveCategory(Action):
    name: ClassVar[str] = "remove_category"
    label: ClassVar[str] = "Remove from category"

    @classmethod
    def clean(cls, *, org: Organization, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("new_category"):
            raise DomainError.for_field("new_category", "Remove from an existing category.")
        return {"category_id": _category(org, actor, params)}

    def change(self, customers: QuerySet[Customer]) -> Changes:
        category_id = self.params["category_id"]
        through = Customer.categories.through
        changed = list(
            customers.filter(categories=category_id).order_by("id").values_list("id", flat=True)
        )
        through.objects.filter(customer_id__in=changed, category_id=category_id).delete()
        if not changed:
            return {}
        change = {"category_removed": _category_name(category_id)}
        return {cid: dict(change) for cid in changed}


# Fields a bulk action may set: the same checks as one customer's form (clean_record).
SETTABLE = ("company", "city", "region", "country", "gender", "discount_percent")


@action
@dataclass
class SetField(Action):
    name: ClassVar[str] = "set_field"
    label: ClassVar[str] = "Set a field"

    @classmethod
    def clean(cls, *, org: Organization, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("field")
        if name not in SETTABLE:
            raise DomainError.for_field("field", f"Choose one of: {', '.join(SETTABLE)}.")
        raw = params.get("value")
        if (raw is not None and not isinstance(raw, str | int | float)) or isinstance(raw, bool):
            raise DomainError.for_field("value", "Give the value as text or a number.")
        text = "" if raw is None else str(raw)
        limit = getattr(Customer._meta.get_field(name), "max_length", None)
        if "\x00" in text or (limit is not None and len(text) > limit):
            raise DomainError.for_field("value", f"Enter at most {limit} characters, no NUL.")
        if name == "company" and not text.strip():
            raise DomainError.for_field("value", "A company name cannot be set empty in bulk.")
        try:
            value = clean_record(org, {name: text})[name]
        except DomainError as exc:
            raise DomainError.for_field("value", exc.detail) from exc
        # Kept as text: job parameters are JSON (a Decimal is not).
        return {"field": name, "value": None if value is None else str(value)}

    def change(self, customers: QuerySet[Customer]) -> Changes:
        name, value = self.params["field"], self.params["value"]
        # exclude() keeps NULLs when the value is not NULL: they differ too.
        olds = dict(customers.exclude(**{name: value}).order_by("id").values_list("id", name))
        changed = list(olds)
        Customer.objects.filter(id__in=changed).update(**{name: value})
        if name in SEARCH_SOURCES:  # company, city, region are searched: keep search_doc current
            rows = list(Customer.objects.filter(id__in=changed))
            touched = {f for row in rows for f in search_fields_set(row)}
            if touched:
                Customer.objects.bulk_update(rows, sorted(touched), batch_size=500)
        return {cid: {name: (old, value)} for cid, old in olds.items()}


def _set_status(customers: QuerySet[Customer], target: str) -> Changes:
    olds = dict(customers.exclude(status=target).order_by("id").values_list("id", "status"))
    Customer.objects.filter(id__in=list(olds)).update(status=target)
    return {cid: {"status": (old, target)} for cid, old in olds.items()}


@action
@dataclass
class Deactivate(Action):
    name: ClassVar[str] = "deactivate"
    label: ClassVar[str] = "Deactivate"

    def change(self, customers: QuerySet[Customer]) -> Changes:
        return _set_status(customers, CustomerStatus.DEACTIVATED)


@action
@dataclass
class Reactivate(Action):
    name: ClassVar[str] = "reactivate"
    label: ClassVar[str] = "Reactivate"

    def change(self, customers: QuerySet[Customer]) -> Changes:
        return _set_status(customers, CustomerStatus.ACTIVE)


@action
@dataclass
class Delete(Action):
    name: ClassVar[str] = "delete"
    label: ClassVar[str] = "Delete"
    capability: ClassVar[str] = Cap.CUSTOMERS_DELETE

    @classmethod
    def clean(cls, *, org: Organization, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("confirm") != "DELETE":
            raise DomainError.for_field("confirm", "Type DELETE to delete these customers.")
        return {}

    def change(self, customers: QuerySet[Customer]) -> Changes:
        changed = list(customers.order_by("id").values_list("id", flat=True))
        Customer.objects.filter(id__in=changed).update(deleted_at=timezone.now())
        return {cid: {"deleted": True} for cid in changed}
