"""Every write page fed garbage: a page with the error (or a 4xx), never a 500, nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import World
from tests.test_tenancy_walk import FORMS, PAGES, ROW, Ids, fill, ids, org_state, page_patterns

__all__ = ["ids"]  # the fixture, re-used

pytestmark = pytest.mark.django_db

GARBAGE: list[Any] = [
    "x" * 5000,
    "nul\x00byte",
    "-1",
    "99999999999999999999999999",
    "<script>alert(1)</script>",
    "",
    ["a", "b"],
]


# A one-field form inside another page: the error comes back as a message on that page.
REDIRECTS_WITH_MESSAGE = {"customers:sample"}
# The bulk page goes back to the list (with a message) when nothing is chosen, and shows its
# form with the errors otherwise.
REDIRECTS_OR_FORM = {"lists:bulk"}

# Plain-text notes and the names of saved views accept any text ("<script>", digits, a list's
# last value): for these pages only an empty value or one with NUL is garbage
# (tests/customers/test_notes.py and tests/lists/test_list_page.py do the rest).
FREE_TEXT = {"customers:note-add", "customers:note-edit", "lists:view-new", "lists:view-edit"}


def _refused_as_text(value: Any) -> bool:
    return isinstance(value, str) and (not value.strip() or "\x00" in value)


def _forms(field_value: Any) -> dict[str, dict[str, Any]]:
    """Each page's valid form with every field replaced by the same bad value."""
    return {name: dict.fromkeys(form, field_value) for name, form in FORMS.items()}


@pytest.mark.parametrize("value", GARBAGE, ids=lambda v: repr(v)[:20])
def test_write_pages_answer_bad_input_without_500(
    world: World, ids: Ids, client_for: Any, value: Any
) -> None:
    client = client_for(world.owner_a)
    values = {k: getattr(ids, k) for k in Ids.__dataclass_fields__}
    forms = _forms(value)
    before = org_state(world.org_a)
    for name, route, _params in page_patterns():
        spec = PAGES[name]
        if not spec.write or spec.kind not in ("org", ROW) or name not in FORMS:
            continue
        if name in FREE_TEXT and not _refused_as_text(value):
            continue
        response = client.post(fill(route, values), forms[name])
        if name in REDIRECTS_OR_FORM and response.status_code == 302:
            assert b"message-error" in client.get(response["Location"]).content, name
            continue
        if name in REDIRECTS_WITH_MESSAGE:
            assert response.status_code == 302, name
            assert b"message-error" in client.get(response["Location"]).content, name
            continue
        assert response.status_code in (200, 400, 403, 404), (name, response.status_code)
        if response.status_code == 200:
            assert b"errorlist" in response.content or b"message-error" in response.content, name
    assert org_state(world.org_a) == before
    # The site still works for the same session afterwards.
    assert client.get("/customers/").status_code == 200


def test_public_forms_answer_bad_input_without_500(db: None, client: Any) -> None:
    for value in GARBAGE:
        for url, fields in (
            ("/accounts/login/", ("username", "password")),
            ("/accounts/reset/", ("email",)),
            (
                "/setup/",
                (
                    "org_name",
                    "time_zone",
                    "country",
                    "currency",
                    "name",
                    "email",
                    "password",
                    "password2",
                ),
            ),
            ("/accounts/invite/not-a-token/", ("name", "password", "password2")),
        ):
            response = client.post(url, dict.fromkeys(fields, value))
            assert response.status_code < 500, (url, repr(value)[:20], response.status_code)
