"""The API key lookup on every call: one query, and revocation takes effect on the next call."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from regulars.accounts.models import ApiKey
from tests.conftest import World
from tests.factories import make_api_key

pytestmark = pytest.mark.django_db


def _client(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_a_key_revoked_anywhere_is_refused_on_the_next_call(world: World) -> None:
    key = make_api_key(world.owner_a)
    other = make_api_key(world.owner_a)
    api = _client(key)
    for _ in range(3):  # warm: nothing about the key may be kept between calls
        assert api.get("/api/v1/me").status_code == 200
    # As another web process or the settings page would: straight in the database.
    ApiKey.unscoped.filter(prefix=key.split("_")[1]).update(revoked_at=timezone.now())
    refused = api.get("/api/v1/me")
    assert (refused.status_code, refused.json()["code"]) == (401, "not_authenticated")
    assert _client(other).get("/api/v1/me").status_code == 200


def test_revoking_through_the_api_refuses_the_key_at_once(world: World) -> None:
    key = make_api_key(world.owner_a, "staff")
    api = _client(key)
    assert api.get("/api/v1/me").status_code == 200
    owner = _client(make_api_key(world.owner_a))
    row = ApiKey.unscoped.get(prefix=key.split("_")[1])
    assert owner.delete(f"/api/v1/api-keys/{row.pk}").status_code == 200
    assert api.get("/api/v1/me").status_code == 401


def test_a_key_is_found_in_one_query_with_its_organization(
    world: World, django_assert_num_queries: Any
) -> None:
    key = make_api_key(world.owner_b)
    api = _client(key)
    api.get("/api/v1/me")  # last use is written at most once a minute
    with django_assert_num_queries(1):
        me = api.get("/api/v1/me").json()
    assert me["organization_slug"] == world.org_b.slug


def test_a_key_of_the_right_prefix_but_wrong_secret_is_refused(world: World) -> None:
    key = make_api_key(world.owner_a)
    assert _client(key[:-4] + "AAAA").get("/api/v1/me").status_code == 401
