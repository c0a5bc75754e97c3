"""Writes on customers: create, update, deactivate, reactivate, delete, restore.

Every write goes through here (bulk paths of demo and import keep the same rules), so that
contact values are stored normalised, identifiers stay unique, `version` moves on each
change, and the audit records who changed what.
"""

from __future__ import annotations

import zoneinfo
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from django.db import IntegrityError, transaction
from django.utils import timezone

from regulars.audit.services import audit_record, diff
from regulars.core.errors import Conflict, DomainError, FieldError
from regulars.customers.account_numbers import (
    account_numbers_allocate,
    account_numbers_note_used,
)
from regulars.customers.custom_fields import (
    CleanedCustomValues,
    custom_values_clean,
    custom_values_save,
)
from regulars.customers.models import (
    PHONE_FIELDS,
    Customer,
    CustomerSource,
    CustomerStatus,
    Gender,
)
from regulars.customers.normalize import email_key, normalize_email, normalize_phone
from regulars.customers.search import search_fields_set
from regulars.customers.selectors import (
    customer_get_any_for_actor,
    customer_get_for_actor,
    customer_identifier_owner,
    visible_customer_ids,
)
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Location, Organization
from regulars.tenancy.rows import rows_for_ids
from regulars.tenancy.scope import assert_in_scope

TEXT_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "account_number",
    "loyalty_card",
    "external_id",
)
# What a create or update may set; status, consent, categories and notes have their own writers.
FIELDS = (
    *TEXT_FIELDS,
    "email",
    *PHONE_FIELDS,
    "country",
    "date_of_birth",
    "gender",
    "discount_percent",
)
IDENTIFIERS = {
    "account_number": "account number",
    "loyalty_card": "loyalty card number",
    "external_id": "external id",
}
EARLIEST_BIRTH = date(1900, 1, 1)


class PreconditionRequired(DomainError):
    """A change to an existing customer must say which version it was made from."""

    def __init__(self) -> None:
        super().__init__(
            detail="Send the version you edited (If-Match header or `version`), so that a "
            "change made meanwhile by someone else is not overwritten.",
            code="version_required",
            errors=[FieldError("version", "Required.")],
            status=428,
        )


class VersionConflict(Conflict):
    """Someone saved the customer after the caller read it; carries the current record."""

    def __init__(self, customer: Customer) -> None:
        super().__init__(
            detail=f"This customer was changed meanwhile (now version {customer.version}). "
            "Reload it, check the other change and apply yours again.",
            code="version_conflict",
            errors=[FieldError("version", f"The current version is {customer.version}.")],
            extra={"current_version": customer.version},
        )
        self.customer = customer
        self.current_version = customer.version


def _today(org: Organization) -> date:
    """Today where the business is: a birth date of 'today' in Auckland is not the future."""
    return timezone.localtime(timezone=zoneinfo.ZoneInfo(org.time_zone or "UTC")).date()


def _clean_date_of_birth(org: Organization, value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError as exc:
            raise DomainError.for_field(
                "date_of_birth", "Enter the date of birth as YYYY-MM-DD."
            ) from exc
    if not isinstance(value, date):
        raise DomainError.for_field("date_of_birth", "Enter the date of birth as YYYY-MM-DD.")
    if value > _today(org):
        raise DomainError.for_field("date_of_birth", "The date of birth cannot be in the future.")
    if value < EARLIEST_BIRTH:
        raise DomainError.for_field(
            "date_of_birth", "The date of birth cannot be before 1 January 1900."
        )
    return value


def _clean_discount(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        discount = Decimal(str(value).strip().rstrip("%"))
    except InvalidOperation as exc:
        raise DomainError.for_field("discount_percent", "Enter a number from 0 to 100.") from exc
    if not discount.is_finite() or not Decimal(0) <= discount <= Decimal(100):
        raise DomainError.for_field("discount_percent", "Enter a number from 0 to 100.")
    return discount.quantize(Decimal("0.01"))


def _clean_country(value: Any) -> str:
    code = str(value or "").strip().upper()
    if code and code not in phonenumbers.SUPPORTED_REGIONS:
        raise DomainError.for_field(
            "country", f"{code!r} is not a country code; use two letters such as GB or US."
        )
    return code


def clean_record(org: Organization, data: dict[str, Any]) -> dict[str, Any]:
    """The record's fields from `data` (only those present), normalised and checked.

    Raises:
        DomainError: naming every field that is wrong, not only the first.
    """
    cleaned: dict[str, Any] = {}
    errors: list[FieldError] = []

    def attempt(name: str, fn: Any) -> None:
        if name not in data:
            return
        try:
            cleaned[name] = fn(data[name])
        except DomainError as exc:
            errors.extend(exc.errors or [FieldError(name, exc.detail)])

    for name in TEXT_FIELDS:
        attempt(name, lambda v: str(v or "").strip())
    # Postcodes in capitals (SW1A 2AA, K1A 0B1): the postcode filter's prefix range is
    # case-sensitive on both databases.
    attempt("postal_code", lambda v: str(v or "").strip().upper())
    attempt("email", lambda v: normalize_email(v))
    for name in PHONE_FIELDS:
        attempt(name, lambda v, n=name: normalize_phone(v, region=org.country, field=n))
    attempt("country", _clean_country)
    attempt("date_of_birth", lambda v: _clean_date_of_birth(org, v))
    attempt("gender", _clean_gender)
    attempt("discount_percent", _clean_discount)
    if errors:
        raise DomainError(detail=errors[0].message, errors=errors)
    return cleaned


def _clean_gender(value: Any) -> str:
    gender = str(value or "").strip()
    if gender and gender not in Gender.values:
        choices = ", ".join(Gender.values)
        raise DomainError.for_field("gender", f"Choose one of: {choices}.")
    return gender


def _check_record(org: Organization, customer: Customer) -> None:
    """Rules over the whole record: a name, and the organization's required fields."""
    errors: list[FieldError] = []
    if not (customer.first_name or customer.last_name or customer.company):
        errors.append(FieldError("last_name", "Enter a first name, last name or company."))
    if org.require_gender_dob:
        if not customer.gender:
            errors.append(FieldError("gender", "Choose a gender; your organization requires it."))
        if customer.date_of_birth is None:
            errors.append(
                FieldError("date_of_birth", "Enter a date of birth; your organization requires it.")
            )
    if errors:
        raise DomainError(detail=errors[0].message, errors=errors)


def _check_identifiers(customer: Customer, actor: Actor) -> None:
    """Account number, card and external id are unique in the organization, deleted and
    merged customers included (they keep theirs, so lookups still find them). The holder is
    named only to an actor who may see them."""
    errors: list[FieldError] = []
    for name, noun in IDENTIFIERS.items():
        value = getattr(customer, name)
        if not value:
            continue
        owner = customer_identifier_owner(field=name, value=value, exclude_id=customer.pk)
        if owner is None:
            continue
        if not visible_customer_ids(actor=actor, customer_ids=[owner.pk]):
            message = f"The {noun} {value} already belongs to another customer."
        elif owner.deleted_at is not None:
            message = (
                f"The {noun} {value} belongs to a deleted customer, {owner}. "
                "Restore that customer from Deleted customers instead."
            )
        else:
            message = f"The {noun} {value} already belongs to {owner}."
        errors.append(FieldError(name, message))
    if errors:
        raise Conflict(detail=errors[0].message, code="identifier_taken", errors=errors)


def _locations(
    actor: Actor,
    *,
    all_locations: bool | None,
    location_ids: list[int] | None,
    current: Customer | None = None,
) -> tuple[bool, list[Location]] | None:
    """The customer's locations as asked, within what the actor may assign; None: unchanged.

    A location-limited member changes only their own share: links to locations they do not
    work at stay, and "all locations" is not theirs to switch on or off."""
    if all_locations is None and location_ids is None:
        return None
    limited = actor.location_ids
    current_all = current.all_locations if current is not None else limited is None
    if limited is not None and all_locations is not None and all_locations != current_all:
        raise DomainError.for_field(
            "all_locations", "Only staff who work at every location can change this."
        )
    if limited is not None and current_all:
        return None  # everywhere stays everywhere
    if all_locations:
        return True, []
    chosen = rows_for_ids(Location, location_ids or [], field="location_ids", noun="locations")
    if limited is not None:
        if any(loc.pk not in limited for loc in chosen):
            raise DomainError.for_field(
                "location_ids", "You can assign customers only to your own locations."
            )
        if current is not None:
            chosen += [loc for loc in current.locations.all() if loc.pk not in limited]
    if not chosen:
        raise DomainError.for_field(
            "location_ids", "Choose at least one location, or all locations."
        )
    return False, chosen


def default_locations(actor: Actor) -> tuple[bool, list[Location]]:
    """A location-limited member's new customers belong to that member's locations."""
    if actor.location_ids is None:
        return True, []
    return False, list(Location.objects.filter(id__in=actor.location_ids))


def _save(customer: Customer, actor: Actor, **kwargs: Any) -> None:
    """Saves; a concurrent write of the same identifier (the unique constraints) is a 409."""
    try:
        with transaction.atomic():
            customer.save(**kwargs)
    except IntegrityError:
        _check_identifiers(customer, actor)
        raise


@transaction.atomic
def customer_create(
    *,
    org: Organization,
    actor: Actor,
    data: dict[str, Any],
    source: str = CustomerSource.MANUAL,
) -> Customer:
    """A new customer. `data` may also hold `all_locations` and `location_ids`; without
    them the customer is everywhere, or in a location-limited member's own locations."""
    assert_in_scope(org)
    actor.require(Cap.CUSTOMERS_EDIT)
    if source not in CustomerSource.values:
        raise DomainError.for_field("source", f"Choose one of: {', '.join(CustomerSource.values)}.")
    cleaned, custom = _clean_all(org, data, partial=False)
    customer = Customer(organization=org, source=source, **cleaned)
    customer.email_key = email_key(customer.email)
    _check_record(org, customer)
    placed = _locations(
        actor, all_locations=data.get("all_locations"), location_ids=data.get("location_ids")
    )
    customer.all_locations, locations = placed or default_locations(actor)
    if customer.account_number:
        account_numbers_note_used(org=org, numbers=[customer.account_number])
    else:
        customer.account_number = account_numbers_allocate(org=org)[0]
    _check_identifiers(customer, actor)
    search_fields_set(customer)
    _save(customer, actor)
    if locations:
        customer.locations.set(locations)
    custom_changes = custom_values_save(customer=customer, cleaned=custom) if custom else {}
    audit_record(
        org=org,
        actor=actor,
        action="customers.customer.created",
        target=customer,
        changes={
            "source": source,
            **{k: _plain(getattr(customer, k)) for k in FIELDS if getattr(customer, k)},
            **{f"{CUSTOM}{k}": new for k, (_old, new) in custom_changes.items()},
        },
    )
    return customer


CUSTOM = "custom_fields."


def _clean_all(
    org: Organization, data: dict[str, Any], *, partial: bool
) -> tuple[dict[str, Any], CleanedCustomValues | None]:
    """The record's fields and its custom values, checked together so that one answer
    names every wrong field."""
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    custom = None
    try:
        cleaned = clean_record(org, {k: v for k, v in data.items() if k in FIELDS})
    except DomainError as exc:
        errors.extend(exc.errors)
    if "custom_fields" in data or not partial:
        try:
            custom = custom_values_clean(
                org=org, values=data.get("custom_fields") or {}, partial=partial
            )
        except DomainError as exc:
            errors.extend(exc.errors)
    if errors:
        raise DomainError(detail=errors[0].message, errors=errors)
    return cleaned, custom


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, date | Decimal) else value


def check_version(customer: Customer, expected_version: int | None) -> None:
    """The optimistic lock of every change to an existing customer."""
    if expected_version is None:
        raise PreconditionRequired()
    if expected_version != customer.version:
        raise VersionConflict(customer)


def _locked(
    org: Organization, actor: Actor, customer_id: int, *, include_deleted: bool = False
) -> Customer:
    """The customer, row-locked on PostgreSQL (SQLite serialises writers already), so two
    writers comparing versions cannot both see the old one."""
    getter = customer_get_any_for_actor if include_deleted else customer_get_for_actor
    found = getter(org=org, actor=actor, customer_id=customer_id)
    return Customer.objects.select_for_update().get(pk=found.pk)


def _bump(customer: Customer, fields: list[str]) -> None:
    customer.version += 1
    customer.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def customer_update(
    *,
    org: Organization,
    actor: Actor,
    customer_id: int,
    data: dict[str, Any],
    expected_version: int | None,
    whole_record: bool = False,
) -> Customer:
    """Changes the fields present in `data` (and `all_locations`/`location_ids`, and
    `custom_fields` by key). `whole_record` (the edit page) also asks for required custom
    fields that are missing; a PATCH changes only what it names."""
    customer = _locked(org, actor, customer_id)
    actor.require(Cap.CUSTOMERS_EDIT)
    check_version(customer, expected_version)
    cleaned, custom = _clean_all(org, data, partial=not whole_record)
    if cleaned.get("account_number") == "":
        del cleaned["account_number"]  # an account number is never cleared, only changed
    changes = diff(customer, cleaned)
    for name, value in cleaned.items():
        setattr(customer, name, value)
    fields = list(changes)
    if "email" in changes:
        customer.email_key = email_key(customer.email)
        customer.email_invalid_at = None
        customer.email_invalid_reason = ""
        fields += ["email_key", "email_invalid_at", "email_invalid_reason"]
    if changes:
        fields += search_fields_set(customer)
    _check_record(org, customer)
    if "account_number" in changes:
        account_numbers_note_used(org=org, numbers=[customer.account_number])
    if set(changes) & set(IDENTIFIERS):
        _check_identifiers(customer, actor)
    placed = _locations(
        actor,
        all_locations=data.get("all_locations"),
        location_ids=data.get("location_ids"),
        current=customer,
    )
    if placed is not None:
        all_locations, locations = placed
        before = (customer.all_locations, sorted(customer.locations.values_list("id", flat=True)))
        after = (all_locations, sorted(loc.pk for loc in locations))
        if before != after:
            changes["locations"] = (
                "all" if before[0] else before[1],
                "all" if after[0] else after[1],
            )
            customer.all_locations = all_locations
            fields.append("all_locations")
            customer.locations.set(locations)
    if custom:
        for key, pair in custom_values_save(customer=customer, cleaned=custom).items():
            changes[f"{CUSTOM}{key}"] = pair
    if changes:
        try:
            with transaction.atomic():
                _bump(customer, fields)
        except IntegrityError:
            _check_identifiers(customer, actor)
            raise
        audit_record(
            org=org,
            actor=actor,
            action="customers.customer.updated",
            target=customer,
            changes={k: (_plain(a), _plain(b)) for k, (a, b) in changes.items()},
        )
    return customer


def _set_status(
    org: Organization, actor: Actor, customer_id: int, status: str, expected_version: int | None
) -> Customer:
    customer = _locked(org, actor, customer_id)
    actor.require(Cap.CUSTOMERS_EDIT)
    if expected_version is not None:
        check_version(customer, expected_version)
    if customer.status != status:
        old = customer.status
        customer.status = status
        _bump(customer, ["status"])
        verb = "deactivated" if status == CustomerStatus.DEACTIVATED else "reactivated"
        audit_record(
            org=org,
            actor=actor,
            action=f"customers.customer.{verb}",
            target=customer,
            changes={"status": (old, status)},
        )
    return customer


@transaction.atomic
def customer_deactivate(
    *, org: Organization, actor: Actor, customer_id: int, expected_version: int | None = None
) -> Customer:
    """Takes the customer off the working list (a filter still shows them); reversible."""
    return _set_status(org, actor, customer_id, CustomerStatus.DEACTIVATED, expected_version)


@transaction.atomic
def customer_reactivate(
    *, org: Organization, actor: Actor, customer_id: int, expected_version: int | None = None
) -> Customer:
    return _set_status(org, actor, customer_id, CustomerStatus.ACTIVE, expected_version)


@transaction.atomic
def customer_delete(
    *, org: Organization, actor: Actor, customer_id: int, expected_version: int | None
) -> Customer:
    """A soft delete: the row, its identifiers and its history stay for reports, lookups
    and the audit trail; owners and managers can restore it."""
    customer = _locked(org, actor, customer_id)
    actor.require(Cap.CUSTOMERS_DELETE)
    check_version(customer, expected_version)
    customer.deleted_at = timezone.now()
    _bump(customer, ["deleted_at"])
    audit_record(org=org, actor=actor, action="customers.customer.deleted", target=customer)
    return customer


@transaction.atomic
def customer_restore(*, org: Organization, actor: Actor, customer_id: int) -> Customer:
    """Brings a deleted customer back, as they were."""
    customer = _locked(org, actor, customer_id, include_deleted=True)
    actor.require(Cap.CUSTOMERS_DELETE)
    if customer.deleted_at is None:
        raise Conflict(detail=f"{customer} is not deleted.", code="not_deleted")
    customer.deleted_at = None
    _bump(customer, ["deleted_at"])
    audit_record(org=org, actor=actor, action="customers.customer.restored", target=customer)
    return customer
