"""Reads of customers, always through the actor's organization and locations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from regulars.core.errors import NotFound
from regulars.customers.models import Category, ConsentEvent, Customer, CustomerStatus, Note
from regulars.customers.search import RankedPage, customer_search, ranked_page
from regulars.tenancy.access import Actor, Cap, Channel
from regulars.tenancy.models import Organization
from regulars.tenancy.prepared import Prepared
from regulars.tenancy.scope import assert_in_scope, require_org

if TYPE_CHECKING:
    from regulars.customers.filters import FilterSet

STATUS_FILTERS = ("active", "deactivated", "all")


def _visible(actor: Actor, customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """Only customers in the actor's locations (or everywhere) for a location-limited actor.

    The location part is a subquery on the link table (indexed by location), not a join,
    so that the "everywhere" flag and the links are each looked up by index."""
    if actor.location_ids is None:
        return customers
    through = Customer.locations.through
    linked = through.objects.filter(location_id__in=actor.location_ids).values("customer_id")
    return customers.filter(Q(all_locations=True) | Q(id__in=linked))


def visible_customer_ids(*, actor: Actor, customer_ids: Iterable[int]) -> set[int]:
    """Which of these customers (live or deleted) the actor may see."""
    ids = set(customer_ids)
    if actor.location_ids is None or not ids:
        return ids
    return set(_visible(actor, Customer.objects.filter(id__in=ids)).values_list("id", flat=True))


def customer_list(
    *,
    org: Organization,
    actor: Actor,
    q: str = "",
    status: str = "all",
    with_categories: bool = False,
    filters: FilterSet | None = None,
) -> QuerySet[Customer]:
    """Live (not deleted) customers the actor may see.

    `status` is "active" (the working list), "deactivated" or "all". `with_categories`
    prefetches each customer's categories (for chips and `category_ids`). `filters` (from
    `customers.filters.parse_filters`) narrows the list further; `q` keeps the customers
    that `customers.search` finds (any part of a name, initials, email, phone digits,
    identifiers, company, address).
    """
    assert_in_scope(org)
    actor.require(Cap.CUSTOMERS_VIEW)
    customers = _visible(actor, Customer.objects.filter(deleted_at__isnull=True))
    if status == "active":
        customers = customers.filter(status=CustomerStatus.ACTIVE)
    elif status == "deactivated":
        customers = customers.filter(status=CustomerStatus.DEACTIVATED)
    if filters is not None:
        customers = filters.apply(customers)
    if q.strip():
        # The matching set (each rank tier capped); `customer_search_page` keeps the rank.
        customers = customers.filter(id__in=customer_search(customers, q))
    if with_categories:
        customers = customers.prefetch_related("categories")
    return customers


def customer_search_page(
    *,
    org: Organization,
    actor: Actor,
    q: str,
    status: str = "all",
    filters: FilterSet | None = None,
    with_categories: bool = False,
    cursor: str | None = None,
    per_page: int = 50,
    search_key: str = "",
) -> RankedPage:
    """A page of the customers `q` finds, best match first (exact, prefix, substring; each
    tier by recent activity). The cursor is a position in the ranked list, tied to the
    search (`q`, `status` and `search_key`, e.g. the filters' query string)."""
    customers = customer_list(
        org=org, actor=actor, status=status, filters=filters, with_categories=with_categories
    )
    ids = customer_search(customers, q)
    key = f"{status}\n{q.strip()}\n{search_key}"
    return ranked_page(customers, ids, key=key, cursor=cursor, per_page=per_page)


def _customer_by_id(*, customer_id: int, key: str) -> QuerySet[Customer]:
    """`customer_list` narrowed to one id (no ORDER BY: `.first()` would add the model's
    ordering), for an actor of the role `key` who sees every location. Compiled once per
    role: should `customer_list` come to depend on more of the actor than its role and its
    locations, that must become part of the key."""
    actor = Actor(org=require_org(), role=key, channel=Channel.SYSTEM)
    return customer_list(org=actor.org, actor=actor).filter(pk=customer_id).order_by()[:1]


# Compiled once per role: the API by id reads a customer on every call.
_customer_by_id_prepared: Prepared[Customer] = Prepared(
    _customer_by_id, args={"customer_id": "int"}
)


def customer_get_for_actor(*, org: Organization, actor: Actor, customer_id: int) -> Customer:
    """Raises NotFound for missing, deleted, foreign and out-of-location customers alike."""
    if actor.location_ids is None:
        assert_in_scope(org)
        actor.require(Cap.CUSTOMERS_VIEW)
        found = _customer_by_id_prepared(customer_id=customer_id, key=actor.role)
    else:  # the location subquery varies with the actor's locations: not prepared
        found = list(customer_list(org=org, actor=actor).filter(pk=customer_id).order_by()[:1])
    customer = next(iter(found), None)
    if customer is None:
        raise NotFound()
    return customer


def deleted_customer_list(*, org: Organization, actor: Actor, q: str = "") -> QuerySet[Customer]:
    """Deleted customers, newest deletion first; for those who may restore them."""
    assert_in_scope(org)
    actor.require(Cap.CUSTOMERS_DELETE)
    customers = _visible(actor, Customer.objects.filter(deleted_at__isnull=False))
    for word in q.split():
        customers = customers.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(company__icontains=word)
            | Q(email__icontains=word)
            | Q(account_number__iexact=word)
        )
    return customers.order_by("-deleted_at", "-id")


def customer_get_any_for_actor(*, org: Organization, actor: Actor, customer_id: int) -> Customer:
    """A live or deleted customer the actor may see; NotFound for foreign and hidden ones.

    Needs only CUSTOMERS_VIEW: restoring checks its own capability after the 404s, so a
    foreign id answers 404 and a missing right 403, as everywhere."""
    assert_in_scope(org)
    actor.require(Cap.CUSTOMERS_VIEW)
    customers = _visible(actor, Customer.objects.all())
    customer = customers.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound()
    return customer


def customer_identifier_owner(*, field: str, value: str, exclude_id: int | None) -> Customer | None:
    """Whoever in the organization holds this account number, card or external id, deleted
    and merged customers included."""
    holders = Customer.objects.filter(**{field: value})
    if exclude_id is not None:
        holders = holders.exclude(pk=exclude_id)
    return holders.first()


def consent_history(*, org: Organization, actor: Actor, customer_id: int) -> QuerySet[ConsentEvent]:
    """A visible customer's consent events, newest first."""
    customer = customer_get_for_actor(org=org, actor=actor, customer_id=customer_id)
    return ConsentEvent.objects.filter(customer=customer).order_by("-created_at", "-id")


def category_list(*, org: Organization, actor: Actor) -> QuerySet[Category]:
    """The organization's categories by name; anyone who sees customers sees them."""
    assert_in_scope(org)
    actor.require(Cap.CUSTOMERS_VIEW)
    return Category.objects.order_by("name", "id")


def category_get_for_actor(*, org: Organization, actor: Actor, category_id: int) -> Category:
    """Raises NotFound for missing and foreign categories alike."""
    category = category_list(org=org, actor=actor).filter(pk=category_id).first()
    if category is None:
        raise NotFound()
    return category


def note_list(*, org: Organization, actor: Actor, customer_id: int) -> QuerySet[Note]:
    """A visible customer's notes, oldest first."""
    customer = customer_get_for_actor(org=org, actor=actor, customer_id=customer_id)
    return Note.objects.filter(customer=customer).order_by("created_at", "id")


def note_get_for_actor(*, org: Organization, actor: Actor, customer_id: int, note_id: int) -> Note:
    """Raises NotFound for a missing note, one of another customer and a hidden customer's."""
    notes = note_list(org=org, actor=actor, customer_id=customer_id)
    note = notes.select_related("customer").filter(pk=note_id).first()
    if note is None:
        raise NotFound()
    return note


def customer_link_ids(
    *, customers: list[Customer]
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Category ids and location ids (empty for a customer in all locations) of already
    visible customers, by name, as plain pairs from the link tables: two queries for a page,
    and no related manager built per row (which cost more than the queries did)."""
    ids = [c.pk for c in customers]
    categories: dict[int, list[int]] = {pk: [] for pk in ids}
    for customer_id, category_id in (
        Customer.categories.through.objects.filter(customer_id__in=ids)
        .order_by("category__name", "category_id")
        .values_list("customer_id", "category_id")
    ):
        categories[customer_id].append(category_id)
    locations: dict[int, list[int]] = {pk: [] for pk in ids}
    limited = [c.pk for c in customers if not c.all_locations]
    for customer_id, location_id in (
        Customer.locations.through.objects.filter(customer_id__in=limited)
        .order_by("location__name", "location_id")
        .values_list("customer_id", "location_id")
    ):
        locations[customer_id].append(location_id)
    return categories, locations
