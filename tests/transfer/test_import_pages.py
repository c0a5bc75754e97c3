"""The import pages: upload, map, check, import, rejected rows, undo; refusals and rights."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from regulars.customers.models import Customer
from regulars.tenancy.scope import tenant_scope
from regulars.transfer.models import ImportRun, SavedMapping
from regulars.transfer.targets import TARGETS
from tests.conftest import World, login
from tests.factories import make_customer

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = ["First Name", "Last Name", "E-mail Address", "Mobile Phone", "DOB", "Tags"]
ROWS = [
    ["Ann", "Newname", "ann@example.com", "", "", ""],
    ["Bob", "Brown", "bob@example.com", "+44 7700 900123", "1985-03-02", "VIP"],
    ["Cat", "Cole", "not-an-email", "", "", ""],
    ["Dan", "Day", "dan@example.com", "", "31/02/1990", ""],
]


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _upload(client: Client, name: str, content: bytes, sheet: str = "") -> Any:
    return client.post("/imports/", {"file": SimpleUploadedFile(name, content), "sheet": sheet})


def _selected(html: str, index: int) -> str:
    """The value selected in the column's <select>."""
    select = re.search(rf'<select name="target_{index}"[^>]*>(.*?)</select>', html, flags=re.S)
    assert select, f"no select for column {index}"
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(1))
    return chosen.group(1) if chosen else ""


def _mapping_post(html: str, **changes: Any) -> dict[str, Any]:
    """The form as the page shows it, with some fields changed."""
    data: dict[str, Any] = {}
    for index in range(len(re.findall(r'<select name="target_\d+"', html))):
        data[f"target_{index}"] = _selected(html, index)
    mode = re.search(r'name="mode" value="(\w+)"[^>]*checked', html)
    data["mode"] = mode.group(1) if mode else "both"
    data["match_keys"] = re.findall(r'name="match_keys" value="(\w+)"[^>]*checked', html)
    for option in ("fresh_consent", "blank_clears", "create_categories"):
        if re.search(rf'name="{option}"[^>]*checked', html):
            data[option] = "on"
    data.update(changes)
    return data


def test_upload_map_check_import_download_and_undo(world: World, client: Client) -> None:
    make_customer(world.org_a, "Ann", "Old", email="ann@example.com")
    login(client, world.manager_a)
    nav = client.get("/customers/").content.decode()
    assert 'href="/imports/"' in nav

    response = _upload(client, "people.csv", _csv([HEADERS, *ROWS]))
    assert response.status_code == 302, response.content.decode()[:2000]
    detail = response["Location"]
    page = client.get(detail)
    assert page.status_code == 200
    html = page.content.decode()
    assert "people.csv" in html
    # The suggested targets are selected, and the first values of each column are shown.
    assert [_selected(html, i) for i in range(6)] == [
        "first_name",
        "last_name",
        "email",
        "phone_mobile",
        "date_of_birth",
        "categories",
    ]
    assert "bob@example.com" in html and "not-an-email" in html
    assert 'name="csrfmiddlewaretoken"' in html
    # Change one column: the tags go nowhere (so no category needs creating).
    response = client.post(detail, _mapping_post(html, target_5="ignore"))
    assert response.status_code == 302, response.content.decode()[:3000]

    # The check ran (jobs run at once in tests): counts, sample, the bad cell marked.
    html = client.get(detail).content.decode()
    assert "What the import will do" in html
    assert re.search(r'data-testid="count-created">\s*<dt>Created</dt>\s*<dd>1</dd>', html)
    assert re.search(r'data-testid="count-updated">\s*<dt>Updated</dt>\s*<dd>1</dd>', html)
    assert re.search(r'data-testid="count-rejected">\s*<dt>Rejected</dt>\s*<dd>2</dd>', html)
    bad = re.search(r'<td class="cell-error" title="([^"]+)">(.*?)</td>', html, flags=re.S)
    assert bad, "a cell with a problem is highlighted"
    assert "not-an-email" in bad.group(2) or "31/02/1990" in bad.group(2)
    assert bad.group(1).split("&")[0] in bad.group(2)  # the message is visible, not only a title
    assert "Tags" not in re.search(
        r"<thead>(.*?)</thead>", html.split("sample-table")[1], re.S
    ).group(1)  # type: ignore[union-attr]

    # The confirmation step, then the import.
    confirm = client.get(f"{detail}start/")
    assert confirm.status_code == 200
    assert "Import 2 rows" in confirm.content.decode()
    response = client.post(f"{detail}start/")
    assert response.status_code == 302
    html = client.get(detail).content.decode()
    assert "Download rejected rows (CSV)" in html
    assert re.search(r'data-testid="count-created">\s*<dt>Created</dt>\s*<dd>1</dd>', html)
    assert "Undo import" in html
    with tenant_scope(world.org_a):
        assert Customer.objects.get(email="ann@example.com").last_name == "Newname"
        bob = Customer.objects.get(email="bob@example.com")
    assert f'href="/customers/{bob.pk}/"' in html
    rejected_only = client.get(detail, {"outcome": "rejected"}).content.decode()
    assert "E-mail Address" in rejected_only and f"/customers/{bob.pk}/" not in rejected_only

    # Rejected rows: always an attachment, the file's columns plus "error".
    response = client.get(f"{detail}rejected.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    lines = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert lines[0] == [*HEADERS, "error"]
    assert [line[0] for line in lines[1:]] == ["Cat", "Dan"]

    # Undo, through its confirmation page, then the report.
    confirm = client.get(f"{detail}undo/")
    assert confirm.status_code == 200 and "Possible until" in confirm.content.decode()
    response = client.post(f"{detail}undo/")
    assert response.status_code == 302
    html = client.get(detail).content.decode()
    assert "Import undone" in html
    assert re.search(r'data-testid="undo-deleted"><dt>Deleted</dt><dd>1</dd>', html)
    assert re.search(r'data-testid="undo-restored"><dt>Restored</dt><dd>1</dd>', html)
    with tenant_scope(world.org_a):
        assert Customer.objects.get(email="ann@example.com").last_name == "Old"

    # The history lists it.
    listing = client.get("/imports/").content.decode()
    assert "people.csv" in listing and "Undone" in listing


def test_mapping_errors_come_back_on_the_column(world: World, client: Client) -> None:
    login(client, world.manager_a)
    detail = _upload(client, "two.csv", _csv([["Name", "Mail", "Email"], ["A", "a@x.com", ""]]))[
        "Location"
    ]
    html = client.get(detail).content.decode()
    response = client.post(
        detail, _mapping_post(html, target_0="full_name", target_1="email", target_2="email")
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "both go to Email" in body
    assert re.search(r'<tr class="has-error">\s*<th scope="row" class="wrap">Email', body)
    # What was chosen stays chosen.
    assert _selected(body, 2) == "email"
    # An unknown target in the form is a field error too, never a 500.
    response = client.post(detail, _mapping_post(html, target_0="nonsense"))
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    # Update mode without a key cannot find anyone.
    response = client.post(detail, _mapping_post(html, mode="update", match_keys=[]))
    assert response.status_code == 400
    assert "Choose at least one key" in response.content.decode()


def test_save_mapping_as_keeps_the_choices_on_screen(world: World, client: Client) -> None:
    login(client, world.manager_a)
    detail = _upload(client, "m.csv", _csv([["Name", "Mail"], ["A", "a@x.com"]]))["Location"]
    html = client.get(detail).content.decode()
    data = _mapping_post(html, target_0="full_name", name="Till export")
    response = client.post(f"{detail}mapping/", data)
    assert response.status_code == 302
    with tenant_scope(world.org_a):
        saved = SavedMapping.objects.get(name="Till export")
        assert saved.mapping[0]["target"] == "full_name"
    # An empty name is refused on the name field.
    response = client.post(f"{detail}mapping/", {**data, "name": ""})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()


def test_a_refused_upload_shows_the_reason_with_400(world: World, client: Client) -> None:
    login(client, world.manager_a)
    response = _upload(client, "empty.csv", b"")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="field has-error"' in body
    assert "errorlist" in body
    response = _upload(client, "doc.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    assert response.status_code == 400
    assert "PDF" in response.content.decode()
    response = client.post("/imports/", {"sheet": "x"})
    assert response.status_code == 400
    with tenant_scope(world.org_a):
        assert ImportRun.objects.count() == 0


@pytest.mark.parametrize("persona", ["readonly_a", "staff_a", "limited_a"])
def test_without_the_import_right_every_page_is_403(
    world: World, client: Client, persona: str
) -> None:
    manager = login(Client(), world.manager_a)
    detail = _upload(manager, "p.csv", _csv([["Email"], ["a@x.com"]]))["Location"]
    login(client, getattr(world, persona))
    assert 'href="/imports/"' not in client.get("/customers/").content.decode()
    for url in ("/imports/", "/imports/help/", "/imports/sample.csv", detail, f"{detail}start/"):
        assert client.get(url).status_code == 403, url
    assert _upload(client, "p.csv", _csv([["Email"], ["b@x.com"]])).status_code == 403
    assert client.post(f"{detail}start/").status_code == 403
    assert client.post(f"{detail}undo/").status_code == 403


def test_another_organizations_import_is_404(world: World, client: Client) -> None:
    manager = login(Client(), world.manager_a)
    detail = _upload(manager, "p.csv", _csv([["Email"], ["a@x.com"]]))["Location"]
    login(client, world.owner_b)
    for url in (detail, f"{detail}start/", f"{detail}undo/", f"{detail}rejected.csv"):
        assert client.get(url).status_code == 404, url
    assert "p.csv" not in client.get("/imports/").content.decode()


def test_the_help_page_lists_every_target(world: World, client: Client) -> None:
    login(client, world.manager_a)
    response = client.get("/imports/help/")
    assert response.status_code == 200
    body = response.content.decode()
    for target in TARGETS:
        assert f'<th scope="row">{target.label}</th>' in body, target.label
    for system in ("Google Contacts", "Outlook", "Shopify", "Square", "HubSpot", "Mailchimp"):
        assert system in body
    assert 'href="/imports/sample.csv"' in body


def test_the_sample_csv_downloads(world: World, client: Client) -> None:
    login(client, world.manager_a)
    response = client.get("/imports/sample.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    header, example = list(csv.reader(io.StringIO(response.content.decode())))
    assert header == [t.label for t in TARGETS]
    assert example[0] == TARGETS[0].example


def test_a_running_check_shows_progress_and_reloads_when_done(world: World, client: Client) -> None:
    from regulars.transfer import services

    login(client, world.manager_a)
    detail = _upload(client, "p.csv", _csv([["Email"], ["a@x.com"]]))["Location"]
    run_id = int(detail.strip("/").split("/")[-1])
    with tenant_scope(world.org_a):
        run = services.import_review_start(
            org=world.org_a, actor=world.manager_a.actor, run_id=run_id, enqueue=False
        )
        job_id = run.review_job_id
    html = client.get(detail).content.decode()
    assert f'hx-get="/jobs/{job_id}/progress/"' in html  # the jobs' progress partial
    assert f'hx-get="{detail}status/"' in html
    assert f'action="/jobs/{job_id}/cancel/"' in html
    # While it runs the poll answers nothing; a plain GET goes to the page.
    assert client.get(f"{detail}status/", headers={"HX-Request": "true"}).status_code == 204
    assert client.get(f"{detail}status/").status_code == 302
    # The mapping cannot change meanwhile.
    response = client.post(detail, {"mode": "add"}, follow=True)
    assert b"can no longer change" in response.content
    # Cancelled: the run goes back to its mapping, and the poll tells htmx to reload.
    client.post(f"/jobs/{job_id}/cancel/")
    response = client.get(f"{detail}status/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    assert b"Check file" in client.get(detail).content


def test_change_mapping_goes_back_to_the_mapping(world: World, client: Client) -> None:
    login(client, world.manager_a)
    detail = _upload(client, "p.csv", _csv([["Email"], ["a@x.com"]]))["Location"]
    html = client.get(detail).content.decode()
    assert client.post(detail, _mapping_post(html)).status_code == 302
    assert b"What the import will do" in client.get(detail).content
    assert client.post(f"{detail}remap/").status_code == 302
    assert b"Check file" in client.get(detail).content
    # Importing without a fresh check is refused with a message.
    response = client.post(f"{detail}start/", follow=True)
    assert b"message-error" in response.content
