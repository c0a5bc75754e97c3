"""Writers at the same moment, each on its own database connection (threads), on SQLite and
PostgreSQL alike: account numbers never repeat, and of two editors of one version exactly one
wins while the other is told."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from regulars.core.errors import DomainError
from regulars.customers import services
from regulars.customers.models import Customer
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)


def _in_parallel(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Runs `work(i)` in `count` threads released together; returns results or exceptions."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_twenty_parallel_creates_get_twenty_distinct_account_numbers(world: World) -> None:
    org, actor = world.org_a, world.staff_a.actor

    def create(i: int) -> str:
        with tenant_scope(org):
            customer = services.customer_create(
                org=org, actor=actor, data={"first_name": f"Parallel{i:02d}"}
            )
        return customer.account_number

    numbers = _in_parallel(20, create)
    errors = [n for n in numbers if isinstance(n, Exception)]
    assert not errors, errors
    assert len(set(numbers)) == 20
    assert sorted(numbers) == [f"C{n:06d}" for n in range(1, 21)]
    with tenant_scope(org):
        assert Customer.objects.count() == 20
        # The next one continues the sequence.
        nxt = services.customer_create(org=org, actor=actor, data={"first_name": "After"})
    assert nxt.account_number == "C000021"


def test_two_editors_of_one_version_one_wins_one_is_told(world: World) -> None:
    org = world.org_a
    with tenant_scope(org):
        customer = services.customer_create(
            org=org, actor=world.owner_a.actor, data={"first_name": "Shared", "city": "York"}
        )
    editors = [world.staff_a.actor, world.manager_a.actor]
    cities = ["Leeds", "Hull"]

    def edit(i: int) -> int:
        with tenant_scope(org):
            saved = services.customer_update(
                org=org,
                actor=editors[i],
                customer_id=customer.pk,
                data={"city": cities[i]},
                expected_version=1,
            )
        return saved.version

    results = _in_parallel(2, edit)
    wins = [r for r in results if r == 2]
    conflicts = [r for r in results if isinstance(r, services.VersionConflict)]
    assert len(wins) == 1 and len(conflicts) == 1, results
    assert conflicts[0].current_version == 2
    winner = cities[results.index(2)]
    customer.refresh_from_db()
    assert (customer.city, customer.version) == (winner, 2)  # nothing half-written
    assert isinstance(conflicts[0], DomainError) and conflicts[0].status == 409
