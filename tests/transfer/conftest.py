"""Customers the export tests share: three in org A (two in Leeds, one in York), and org
B's Olga in Leeds, who must never appear in org A's files."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import World
from tests.factories import make_customer


@pytest.fixture
def people(world: World) -> dict[str, Any]:
    return {
        "ann": make_customer(world.org_a, "Ann", "Archer", email="ann@a.test", city="Leeds"),
        "bob": make_customer(world.org_a, "Bob", "Baker", email="bob@a.test", city="York"),
        "cat": make_customer(world.org_a, "Cat", "Cole", email="cat@a.test", city="Leeds"),
        "other": make_customer(world.org_b, "Olga", "Other", email="olga@b.test", city="Leeds"),
    }
