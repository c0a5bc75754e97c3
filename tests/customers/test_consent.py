"""Consent per channel: one writer, an append-only event log, the API and the profile card."""

from __future__ import annotations

from typing import Any

import pytest

from regulars.audit.models import AuditEntry
from regulars.core.errors import DomainError, Forbidden, NotFound
from regulars.customers.consent import consent_block, consent_set
from regulars.customers.models import (
    ConsentEvent,
    ConsentSource,
    ConsentState,
    Customer,
    ImmutableConsentEventError,
)
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World

pytestmark = pytest.mark.django_db

CHANGED = "customers.consent.changed"


def _set(world: World, customer: Customer, **kwargs: Any) -> Customer:
    args: dict[str, Any] = {
        "channel": "email",
        "state": ConsentState.OPTED_IN,
        "source": ConsentSource.FORM,
        **kwargs,
    }
    member = args.pop("member", world.staff_a)
    with tenant_scope(member.org):
        return consent_set(org=member.org, actor=member.actor, customer_id=customer.pk, **args)


def test_state_change_writes_one_event_and_one_audit_entry(
    world: World, customers_a: dict[str, Customer]
) -> None:
    alice = customers_a["everywhere"]
    updated = _set(world, alice, detail="signup.csv", ip="203.0.113.7")
    assert (updated.email_consent, updated.sms_consent) == ("opted_in", "unknown")
    with tenant_scope(world.org_a):
        alice.refresh_from_db()
        assert alice.email_consent == ConsentState.OPTED_IN
        event = ConsentEvent.objects.get()
        assert (event.customer_id, event.channel, event.state, event.blocked) == (
            alice.pk,
            "email",
            "opted_in",
            False,
        )
        assert (event.source, event.detail, event.ip) == ("form", "signup.csv", "203.0.113.7")
        assert (event.actor_user, event.actor_label) == (world.staff_a.user, "staff-a@example.test")
        entry = AuditEntry.objects.get(action=CHANGED)
        assert entry.customer_id == alice.pk
        assert entry.changes["email_consent"] == {"old": "unknown", "new": "opted_in"}
        assert entry.changes["source"] == "form"


def test_no_op_change_writes_nothing(world: World, customers_a: dict[str, Customer]) -> None:
    alice = customers_a["everywhere"]
    _set(world, alice, state=ConsentState.UNKNOWN)  # already unknown
    _set(world, alice, state=ConsentState.OPTED_OUT)
    _set(world, alice, state=ConsentState.OPTED_OUT, detail="again")
    with tenant_scope(world.org_a):
        assert ConsentEvent.objects.count() == 1
        assert AuditEntry.objects.filter(action=CHANGED).count() == 1


def test_block_flag_is_separate_from_the_state(
    world: World, customers_a: dict[str, Customer]
) -> None:
    alice = customers_a["everywhere"]
    _set(world, alice, channel="sms", state=ConsentState.OPTED_IN)
    with tenant_scope(world.org_a):
        blocked = consent_block(
            org=world.org_a,
            actor=world.staff_a.actor,
            customer_id=alice.pk,
            channel="sms",
            blocked=True,
            source=ConsentSource.SMS_STOP,
        )
        assert (blocked.sms_consent, blocked.sms_blocked, blocked.email_blocked) == (
            "opted_in",
            True,
            False,
        )
        latest = ConsentEvent.objects.first()
        assert latest is not None
        assert (latest.state, latest.blocked, latest.source) == ("opted_in", True, "sms-stop")
        assert AuditEntry.objects.filter(action=CHANGED).count() == 2


def test_a_bad_ip_is_dropped_not_stored(world: World, customers_a: dict[str, Customer]) -> None:
    _set(world, customers_a["everywhere"], ip="not, an ip")
    with tenant_scope(world.org_a):
        assert ConsentEvent.objects.get().ip is None


def test_readonly_is_refused_and_other_org_gets_not_found(
    world: World, customers_a: dict[str, Customer]
) -> None:
    alice = customers_a["everywhere"]
    with pytest.raises(Forbidden):
        _set(world, alice, member=world.readonly_a)
    with pytest.raises(NotFound):
        _set(world, alice, member=world.owner_b)
    with pytest.raises(NotFound):  # outside a location-limited member's locations
        _set(world, customers_a["south_only"], member=world.limited_a)
    with tenant_scope(world.org_a):
        assert not ConsentEvent.objects.exists()
        alice.refresh_from_db()
        assert alice.email_consent == ConsentState.UNKNOWN


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"state": "maybe"}, "state"),
        ({"source": "rumour"}, "source"),
        ({"detail": "x" * 201}, "detail"),
    ],
)
def test_service_names_the_bad_field(
    world: World, customers_a: dict[str, Customer], kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(DomainError) as caught:
        _set(world, customers_a["everywhere"], **kwargs)
    assert [e.field for e in caught.value.errors] == [field]


def test_events_are_immutable(world: World, customers_a: dict[str, Customer]) -> None:
    _set(world, customers_a["everywhere"])
    with tenant_scope(world.org_a):
        event = ConsentEvent.objects.get()
        event.state = ConsentState.OPTED_OUT
        with pytest.raises(ImmutableConsentEventError):
            event.save()
        with pytest.raises(ImmutableConsentEventError):
            event.delete()
        assert ConsentEvent.objects.get().state == ConsentState.OPTED_IN


# --- API ------------------------------------------------------------------------------------


def test_api_sets_and_lists_consent_newest_first(
    world: World, customers_a: dict[str, Customer], api_for: Any
) -> None:
    api = api_for(world.owner_a, "staff")
    url = f"/api/v1/customers/{customers_a['everywhere'].pk}/consent"
    first = api.get(url).json()
    assert first["email"] == {"state": "unknown", "blocked": False}
    assert first["history"] == {"items": [], "next_cursor": None, "count": 0}
    for state in ("opted_in", "opted_out", "opted_in"):
        response = api.post(
            url,
            {"channel": "email", "state": state, "detail": f"to {state}"},
            content_type="application/json",
            REMOTE_ADDR="198.51.100.4",
        )
        assert response.status_code == 200, response.content
    api.post(
        url,
        {"channel": "sms", "state": "unknown", "blocked": True},
        content_type="application/json",
    )
    body = api.get(url, {"limit": 2}).json()
    assert body["email"] == {"state": "opted_in", "blocked": False}
    assert body["sms"] == {"state": "unknown", "blocked": True}
    assert body["history"]["count"] == 4
    items = body["history"]["items"]
    assert [(e["channel"], e["state"], e["blocked"]) for e in items] == [
        ("sms", "unknown", True),
        ("email", "opted_in", False),
    ]
    assert items[1]["source"] == "api"
    assert items[1]["detail"] == "to opted_in"
    assert items[1]["ip"] == "198.51.100.4"
    assert items[1]["actor_label"].startswith("API key #")
    rest = api.get(url, {"limit": 2, "cursor": body["history"]["next_cursor"]}).json()
    assert [e["detail"] for e in rest["history"]["items"]] == ["to opted_out", "to opted_in"]
    assert rest["history"]["next_cursor"] is None
    # The same state again writes nothing.
    api.post(url, {"channel": "email", "state": "opted_in"}, content_type="application/json")
    assert api.get(url).json()["history"]["count"] == 4


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "fax", "state": "opted_in"}, "channel"),
        ({"channel": "email", "state": "maybe"}, "state"),
        ({"channel": "email"}, "state"),
        ({"channel": "email", "state": "opted_in", "detail": "x" * 201}, "detail"),
        ({"channel": "email", "state": "opted_in", "blocked": 1}, "blocked"),
    ],
)
def test_api_invalid_input_is_400_naming_the_field(
    world: World, customers_a: dict[str, Customer], api_for: Any, body: dict[str, Any], field: str
) -> None:
    api = api_for(world.owner_a)
    url = f"/api/v1/customers/{customers_a['everywhere'].pk}/consent"
    response = api.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in [e["field"] for e in response.json()["errors"]]


def test_api_readonly_is_403_and_other_org_is_404(
    world: World, customers_a: dict[str, Customer], api_for: Any
) -> None:
    url = f"/api/v1/customers/{customers_a['everywhere'].pk}/consent"
    body = {"channel": "email", "state": "opted_out"}
    readonly = api_for(world.owner_a, "readonly")
    assert readonly.get(url).status_code == 200
    refused = readonly.post(url, body, content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    other = api_for(world.owner_b)
    assert other.get(url).status_code == 404
    assert other.post(url, body, content_type="application/json").status_code == 404
    with tenant_scope(world.org_a):
        assert not ConsentEvent.objects.exists()


# --- The profile page -----------------------------------------------------------------------


def test_profile_shows_consent_and_its_history(
    world: World, customers_a: dict[str, Customer], client_for: Any
) -> None:
    alice = customers_a["everywhere"]
    staff = client_for(world.staff_a)
    page = staff.get(f"/customers/{alice.pk}/").content.decode()
    assert "No consent recorded yet." in page
    response = staff.post(
        f"/customers/{alice.pk}/consent/",
        {"channel": "email", "state": "opted_out", "detail": "<b>asked at the desk</b>"},
    )
    assert response.status_code == 302
    staff.post(
        f"/customers/{alice.pk}/consent/", {"channel": "sms", "state": "unknown", "blocked": "on"}
    )
    page = staff.get(f"/customers/{alice.pk}/").content.decode()
    assert '<span class="badge badge-red">Opted out</span>' in page
    assert "All messages blocked" in page
    assert "&lt;b&gt;asked at the desk&lt;/b&gt;" in page  # escaped
    assert "staff-a@example.test · Email: Opted out · Form" in page
    with tenant_scope(world.org_a):
        alice.refresh_from_db()
        assert (alice.email_consent, alice.sms_blocked) == ("opted_out", True)
        assert ConsentEvent.objects.filter(source="form").count() == 2
    # GET of the form's URL goes back to the profile.
    assert staff.get(f"/customers/{alice.pk}/consent/")["Location"] == f"/customers/{alice.pk}/"


def test_profile_form_errors_keep_the_page(
    world: World, customers_a: dict[str, Customer], client_for: Any
) -> None:
    alice = customers_a["everywhere"]
    staff = client_for(world.staff_a)
    response = staff.post(f"/customers/{alice.pk}/consent/", {"channel": "fax", "state": "x"})
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert b"Alice Everywhere" in response.content
    readonly = client_for(world.readonly_a)
    ok = {"channel": "email", "state": "opted_in"}
    assert readonly.post(f"/customers/{alice.pk}/consent/", ok).status_code == 403
    assert (
        b'action="/customers/'
        not in readonly.get(f"/customers/{alice.pk}/")
        .content.split(b'id="consent"')[1]
        .split(b"</div>")[0]
    )
    other = client_for(world.owner_b)
    assert other.post(f"/customers/{alice.pk}/consent/", ok).status_code == 404
    with tenant_scope(world.org_a):
        assert not ConsentEvent.objects.exists()
