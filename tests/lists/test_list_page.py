"""The customer list page's kept parts through the pages: each member's columns, saved
views, and the exact match count fetched after the page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from regulars.customers import list_views, services
from regulars.customers.categories import category_create, customer_categories_set
from regulars.customers.custom_fields import (
    custom_field_create,
    custom_values_clean,
    custom_values_save,
)
from regulars.customers.models import Customer
from regulars.lists.list_state import column_setting_get, saved_view_create
from regulars.lists.models import ColumnSetting, SavedView
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _customer(world: World, first: str, last: str, **data: Any) -> Customer:
    with tenant_scope(world.org_a):
        return services.customer_create(
            org=world.org_a,
            actor=world.owner_a.actor,
            data={"first_name": first, "last_name": last, **data},
        )


def _headers(html: str) -> list[tuple[str, str]]:
    """(class, text) of each column header of the list, select column left out."""
    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    found = re.findall(r'<th scope="col" class="([^"]*)"[^>]*>(.*?)</th>', head, re.S)
    return [
        (css, re.sub(r"<[^>]+>|[↑↓]", "", text).strip())
        for css, text in found
        if "select-col" not in css
    ]


def _save_columns(client: Client, columns: list[str], locked: str, **extra: Any) -> Any:
    order = extra.pop("order", columns)
    return client.post(
        "/customers/columns/",
        {"columns": columns, "order": order, "locked": locked, "next": "/customers/", **extra},
    )


# ------------------------------------------------------------------ columns


def test_columns_persist_per_member_in_order_with_locked_ones(
    world: World, client_for: Any
) -> None:
    _customer(world, "Ann", "Archer", city="Leeds", email="ann@example.com")
    staff = client_for(world.staff_a)
    default = _headers(staff.get("/customers/").content.decode())
    assert [t for _c, t in default] == ["Name", "Account", "Email", "Mobile", "Categories", "Added"]

    response = _save_columns(staff, ["email", "name", "city", "phone_mobile"], "2")
    assert response.status_code == 302 and response["Location"] == "/customers/"

    # A new session (a reload, another day): the same columns, in that order, two locked.
    again = client_for(world.staff_a).get("/customers/").content.decode()
    headers = _headers(again)
    assert [t for _c, t in headers] == ["Email", "Name", "City", "Mobile"]
    assert ["locked" in c.split() for c, _t in headers] == [True, True, False, False]
    assert "locked-last" in headers[1][0]
    assert 'style="left: calc(var(--select-w) + 1 * var(--lock-w))"' in again
    assert "Leeds" in again
    with tenant_scope(world.org_a):
        assert column_setting_get(org=world.org_a, actor=world.staff_a.actor).locked == 2
    # Another member keeps the defaults.
    manager = _headers(client_for(world.manager_a).get("/customers/").content.decode())
    assert [t for _c, t in manager][:2] == ["Name", "Account"]


def test_up_and_down_without_script_save_the_move_and_reopen_the_panel(
    world: World, client_for: Any
) -> None:
    _customer(world, "Ann", "Archer")
    staff = client_for(world.staff_a)
    order = ["name", "email", "city", "account_number"]
    response = _save_columns(staff, ["name", "email", "city"], "1", order=order, move="up:email")
    assert response.status_code == 302
    assert "panel=columns" in response["Location"]
    page = staff.get(response["Location"]).content.decode()
    assert [t for _c, t in _headers(page)] == ["Email", "Name", "City"]
    assert '<details class="menu menu-end" id="columns-panel" open>' in page


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"columns": ["name", "nope"], "locked": "1"}, "columns"),
        ({"columns": [], "locked": "0"}, "columns"),
        ({"columns": ["name", "name"], "locked": "1"}, "columns"),
        ({"columns": ["name", "email"], "locked": "6"}, "locked"),
        ({"columns": ["name", "email"], "locked": "3"}, "locked"),
        ({"columns": ["name"], "locked": "-1"}, "locked"),
    ],
)
def test_bad_columns_answer_400_naming_the_field(
    world: World, client_for: Any, form: dict[str, Any], field: str
) -> None:
    staff = client_for(world.staff_a)
    response = staff.post("/customers/columns/", {**form, "next": "/customers/"})
    assert response.status_code == 400
    assert f"<code>{field}</code>" in response.content.decode()
    assert 'name="columns"' in response.content.decode()  # the form again, to correct
    with tenant_scope(world.org_a):
        assert not ColumnSetting.objects.exists()


def test_cells_come_from_the_registry_in_a_bounded_number_of_queries(
    world: World, client_for: Any
) -> None:
    with tenant_scope(world.org_a):
        vip = category_create(
            org=world.org_a, actor=world.owner_a.actor, data={"name": "VIP", "colour": "#aa0000"}
        )
        shoe = custom_field_create(
            org=world.org_a,
            actor=world.owner_a.actor,
            data={"label": "Shoe size", "field_type": "number"},
        )

    def add(n: int) -> None:
        for i in range(n):
            customer = _customer(world, f"P{i}", "Cell", city="York")
            with tenant_scope(world.org_a):
                customer_categories_set(
                    org=world.org_a,
                    actor=world.owner_a.actor,
                    customer_id=customer.pk,
                    category_ids=[vip.pk],
                )
                custom_values_save(
                    customer=customer,
                    cleaned=custom_values_clean(
                        org=world.org_a, values={shoe.key: 40 + i}, partial=True
                    ),
                )

    staff = client_for(world.staff_a)
    columns = ["name", "categories", f"cf_{shoe.key}", "city"]
    assert _save_columns(staff, columns, "1").status_code == 302
    add(2)
    with CaptureQueriesContext(connection) as few:
        page = staff.get("/customers/?sort=name").content.decode()
    assert [t for _c, t in _headers(page)] == ["Name", "Categories", "Shoe size", "City"]
    assert 'class="badge chip"' in page and ">VIP</span>" in page
    assert ">40</td>" in page and ">41</td>" in page
    add(18)
    with CaptureQueriesContext(connection) as many:
        assert ">57</td>" in staff.get("/customers/?sort=name").content.decode()
    assert len(many) == len(few)  # twenty rows cost what two do


def test_sort_links_go_both_ways_and_mark_the_current_sort(world: World, client_for: Any) -> None:
    _customer(world, "Ann", "Archer")
    staff = client_for(world.staff_a)
    page = staff.get("/customers/?sort=email").content.decode()
    assert 'aria-sort="ascending"' in page
    assert 'href="?sort=-email">Email <span aria-hidden="true">↑</span>' in page
    assert 'href="?sort=-email"' in page
    assert 'href="?sort=account_number">Account</a>' in page
    down = staff.get("/customers/?sort=-email").content.decode()
    assert 'href="?sort=email">Email <span aria-hidden="true">↓</span>' in down
    assert "Categories</th>" in page  # not sortable: no link


# ------------------------------------------------------------------ saved views


def test_save_open_rename_and_delete_a_view_from_the_page(world: World, client_for: Any) -> None:
    _customer(world, "Lee", "Leeds", city="Leeds")
    _customer(world, "Yo", "York", city="York")
    staff = client_for(world.staff_a)
    assert _save_columns(staff, ["name", "city"], "1").status_code == 302
    saved = staff.post(
        "/customers/views/new/",
        {"name": "Leeds people", "next": "/customers/?city=Leeds&sort=-created_at&cursor=x"},
    )
    assert saved.status_code == 302
    with tenant_scope(world.org_a):
        view = SavedView.objects.get(name="Leeds people")
    assert (view.query, view.columns, view.shared) == (
        "sort=-created_at&city=Leeds",
        ["name", "city"],
        False,
    )
    assert saved["Location"] == f"/customers/?sort=-created_at&city=Leeds&view={view.pk}"

    opened = staff.get(saved["Location"]).content.decode()
    assert "Lee Leeds" in opened and "Yo York" not in opened
    assert f'view={view.pk}" aria-current="page">Leeds people</a>' in opened
    assert "View: Leeds people" in opened
    # A bare ?view= (a bookmark) opens with the view's search, filters and sort.
    bare = staff.get(f"/customers/?view={view.pk}")
    assert bare.status_code == 302 and bare["Location"] == saved["Location"]

    # The same name twice: 400, the field named, what was typed kept.
    twice = staff.post("/customers/views/new/", {"name": "Leeds people", "next": "/customers/"})
    assert twice.status_code == 400
    body = twice.content.decode()
    assert "already have a view named" in body and 'value="Leeds people"' in body
    assert "has-error" in body
    assert staff.post("/customers/views/new/", {"name": " "}).status_code == 400

    # Rename and share it, and replace its filters with the list the member came from.
    edit = f"/customers/views/{view.pk}/edit/"
    form = staff.get(f"{edit}?next=/customers/%3Fcity%3DYork")
    assert form.status_code == 200 and 'value="Leeds people"' in form.content.decode()
    renamed = staff.post(
        edit,
        {"name": "York people", "shared": "on", "replace": "on", "next": "/customers/?city=York"},
    )
    assert renamed.status_code == 302
    view.refresh_from_db()
    assert (view.name, view.shared, view.query) == ("York people", True, "city=York")
    assert staff.post(edit, {"name": "", "next": "/customers/"}).status_code == 400

    # Delete (the page asks first: data-confirm) goes back to the list without the view.
    assert 'data-confirm="Delete the view' in form.content.decode()
    gone = staff.post(
        f"/customers/views/{view.pk}/delete/", {"next": f"/customers/?city=York&view={view.pk}"}
    )
    assert gone.status_code == 302 and gone["Location"] == "/customers/?city=York"
    with tenant_scope(world.org_a):
        assert not SavedView.objects.filter(pk=view.pk).exists()
    assert staff.get(saved["Location"]).status_code == 404


def test_shared_views_show_to_colleagues_private_ones_do_not(world: World, client_for: Any) -> None:
    with tenant_scope(world.org_a):
        shared = saved_view_create(
            org=world.org_a,
            actor=world.staff_a.actor,
            data={"name": "Shared York", "query": "city=York", "shared": True},
        )
        private = saved_view_create(
            org=world.org_a,
            actor=world.staff_a.actor,
            data={"name": "Private Leeds", "query": "city=Leeds", "columns": ["email"]},
        )
    manager = client_for(world.manager_a)
    page = manager.get("/customers/").content.decode()
    assert "Shared York" in page and "Private Leeds" not in page
    assert "Shared with everyone" in page
    assert manager.get(f"/customers/?city=York&view={shared.pk}").status_code == 200
    assert manager.get(f"/customers/?view={private.pk}").status_code == 404
    # Someone else's shared view: open it, but not change or delete it.
    assert manager.get(f"/customers/views/{shared.pk}/edit/").status_code == 403
    assert manager.post(f"/customers/views/{shared.pk}/delete/").status_code == 403
    assert manager.post(f"/customers/views/{private.pk}/delete/").status_code == 404
    # Another organization's views: 404 everywhere.
    other = client_for(world.owner_b)
    assert "Shared York" not in other.get("/customers/").content.decode()
    for url in (f"/customers/?view={shared.pk}", f"/customers/views/{shared.pk}/edit/"):
        assert other.get(url).status_code == 404, url
    assert other.post(f"/customers/views/{shared.pk}/delete/").status_code == 404
    assert (
        other.post(
            "/customers/columns/",
            {"columns": ["name"], "locked": "0", "next": f"/customers/?view={shared.pk}"},
        ).status_code
        == 404
    )
    with tenant_scope(world.org_a):
        assert SavedView.objects.count() == 2
    # A malformed view number is a 400 naming it.
    bad = manager.get("/customers/?view=abc")
    assert bad.status_code == 400 and "<code>view</code>" in bad.content.decode()


def test_a_views_own_columns_show_when_it_is_open(world: World, client_for: Any) -> None:
    _customer(world, "Ann", "Archer", city="Leeds")
    with tenant_scope(world.org_a):
        view = saved_view_create(
            org=world.org_a,
            actor=world.staff_a.actor,
            data={"name": "Cities", "query": "", "columns": ["city", "name"], "shared": True},
        )
    manager = client_for(world.manager_a)
    opened = manager.get(f"/customers/?view={view.pk}&status=active").content.decode()
    assert [t for _c, t in _headers(opened)] == ["City", "Name"]
    # Saving columns on someone else's view keeps them as one's own and leaves the view.
    saved = manager.post(
        "/customers/columns/",
        {"columns": ["name", "email"], "locked": "1", "next": f"/customers/?view={view.pk}"},
    )
    assert saved.status_code == 302 and "view=" not in saved["Location"]
    view.refresh_from_db()
    assert view.columns == ["city", "name"]
    # The owner's save changes the view's columns too.
    staff = client_for(world.staff_a)
    staff.post(
        "/customers/columns/",
        {"columns": ["email", "city"], "locked": "0", "next": f"/customers/?view={view.pk}"},
    )
    view.refresh_from_db()
    assert view.columns == ["email", "city"]


def test_read_only_members_keep_their_own_columns_and_views(world: World, client_for: Any) -> None:
    reader = client_for(world.readonly_a)
    assert _save_columns(reader, ["name", "email"], "1").status_code == 302
    made = reader.post("/customers/views/new/", {"name": "Mine", "next": "/customers/?city=X"})
    assert made.status_code == 302
    with tenant_scope(world.org_a):
        assert column_setting_get(org=world.org_a, actor=world.readonly_a.actor).columns == [
            "name",
            "email",
        ]
        assert SavedView.objects.get(name="Mine").owner_id == world.readonly_a.user.pk


# ------------------------------------------------------------------ the count


def _counted(client: Client, url: str) -> str:
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.content
    return str(response.content.decode())


def test_the_count_is_exact_fetched_after_the_page_and_filtered(
    world: World, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(list_views, "INLINE_COUNT_MAX", 5)
    for i in range(9):
        _customer(world, f"L{i}", "Counted", city="Leeds")
    for i in range(4):
        _customer(world, f"Y{i}", "Counted", city="York")
    with tenant_scope(world.org_b):
        for i in range(23):
            services.customer_create(
                org=world.org_b,
                actor=world.owner_b.actor,
                data={"first_name": f"B{i}", "last_name": "Other", "city": "Leeds"},
            )
    staff = client_for(world.staff_a)
    page = staff.get("/customers/").content.decode()
    assert "Counting customers…" in page
    assert 'hx-get="/customers/count/" hx-trigger="load"' in page
    assert '<noscript> <a href="/customers/count/">Count them</a></noscript>' in page
    assert '<span id="bulk-count">…</span>' in page

    fragment = _counted(staff, "/customers/count/")
    assert '<span id="count-number">13 customers</span>' in fragment
    assert '<span id="bulk-count" hx-swap-oob="true">13</span>' in fragment
    leeds = staff.get("/customers/?city=Leeds").content.decode()
    assert 'hx-get="/customers/count/?city=Leeds"' in leeds
    assert ">9 customers<" in _counted(staff, "/customers/count/?city=Leeds")
    assert ">4 customers<" in _counted(staff, "/customers/count/?city=York&q=counted")
    # Without script the count is a page of its own.
    plain = staff.get("/customers/count/?city=York").content.decode()
    assert "<html" in plain and ">4 customers</strong>" in plain and "in York" in plain
    # Another organization's customers are never counted, and its own are.
    assert ">23 customers<" in _counted(client_for(world.owner_b), "/customers/count/")
    assert ">0 customers<" in _counted(client_for(world.owner_b), "/customers/count/?city=York")
    # A bad filter is a 400 naming it.
    bad = staff.get("/customers/count/?age_min=abc")
    assert bad.status_code == 400 and "<code>age_min</code>" in bad.content.decode()


def test_small_lists_count_inline(world: World, client_for: Any) -> None:
    for i in range(3):
        _customer(world, f"S{i}", "Small")
    page = client_for(world.staff_a).get("/customers/").content.decode()
    assert '<span id="count-number">3 customers</span>' in page
    assert '<span id="bulk-count">3</span>' in page
    assert "Counting" not in page
