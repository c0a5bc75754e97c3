"""Personas of two organizations (healthchecks' Alice/Bob idea) and real-service fixtures.

No fixture enters a tenant scope for the test body: a test opens `tenant_scope(org)` itself,
so a forgotten scope fails here as it would in production.
"""

from __future__ import annotations

import importlib
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from regulars.tenancy.models import Location, Organization, Role
from tests.factories import (
    Member,
    confirmed_totp,
    make_api_key,
    make_customer,
    make_location,
    make_member,
    make_org,
    owner_member,
)

os.environ.setdefault("PLAYWRIGHT_BROWSERS_PATH", "0")


@dataclass
class World:
    """Two organizations with every persona the tenancy tests need."""

    org_a: Organization
    org_b: Organization
    loc_a1: Location
    loc_a2: Location
    loc_b1: Location
    owner_a: Member
    manager_a: Member
    staff_a: Member
    readonly_a: Member
    limited_a: Member  # staff limited to loc_a1
    owner_b: Member
    extra: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def world(db: None) -> World:
    org_a, owner_a_user = make_org("Alpha Hair")
    org_b, owner_b_user = make_org("Beta Barbers")
    loc_a1 = make_location(org_a, "Alpha North")
    loc_a2 = make_location(org_a, "Alpha South")
    loc_b1 = make_location(org_b, "Beta Central")
    return World(
        org_a=org_a,
        org_b=org_b,
        loc_a1=loc_a1,
        loc_a2=loc_a2,
        loc_b1=loc_b1,
        owner_a=owner_member(org_a, owner_a_user),
        manager_a=make_member(org_a, Role.MANAGER, email="manager-a@example.test"),
        staff_a=make_member(org_a, Role.STAFF, email="staff-a@example.test"),
        readonly_a=make_member(org_a, Role.READONLY, email="readonly-a@example.test"),
        limited_a=make_member(
            org_a, Role.STAFF, email="limited-a@example.test", locations=[loc_a1]
        ),
        owner_b=owner_member(org_b, owner_b_user),
    )


def login(client: Client, member: Member) -> Client:
    """Logs in; owners (who must use 2FA) get a confirmed device and a verified session."""
    client.force_login(member.user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.filter(user=member.user, confirmed=True).first()
    if member.membership.role == Role.OWNER and device is None:
        device = confirmed_totp(member.user)
    if device is not None:
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def client_for() -> Any:
    def make(member: Member) -> Client:
        return login(Client(), member)

    return make


@pytest.fixture
def api_for() -> Any:
    """A client that sends an API key of the member's organization, with the given role."""

    def make(member: Member, role: str | None = None) -> Client:
        key = make_api_key(member, role or member.membership.role)
        return Client(headers={"Authorization": f"Bearer {key}"})

    return make


@pytest.fixture
def customers_a(world: World) -> dict[str, Any]:
    return {
        "everywhere": make_customer(world.org_a, "Alice", "Everywhere", email="alice@a.test"),
        "south_only": make_customer(
            world.org_a, "Sam", "Southside", email="sam@a.test", locations=[world.loc_a2]
        ),
    }


# --- A real SMTP server on loopback ---------------------------------------------------------


class _Collect:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


@dataclass
class Mailbox:
    handler: _Collect
    host: str
    port: int

    @property
    def messages(self) -> list[Message]:
        return self.handler.messages

    def body(self, message: Message) -> str:
        if message.is_multipart():
            part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
            payload = part.get_payload(decode=True)
        else:
            payload = message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Mailbox]:
    """aiosmtpd on 127.0.0.1; Django sends to it with its real SMTP backend."""
    handler = _Collect()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        yield Mailbox(handler=handler, host="127.0.0.1", port=port)
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _fast_argon2(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]


@pytest.fixture(autouse=True)
def _data_log_flushable(request: pytest.FixtureRequest) -> Iterator[None]:
    """The data log refuses DELETE (a trigger). A transactional test ends with a flush, which
    on SQLite is DELETE FROM each table (PostgreSQL truncates, which row triggers ignore):
    here the entries are removed as a database administrator would, triggers dropped and
    put back, before that flush."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    trigger_sql = importlib.import_module("regulars.transfer.migrations.0003_data_log_append_only")
    with connection.cursor() as cursor:
        for sql in trigger_sql.SQLITE_DROP:
            cursor.execute(sql)
        cursor.execute("DELETE FROM transfer_datalogentry")
        for sql in trigger_sql.SQLITE:
            cursor.execute(sql)


@pytest.fixture(autouse=True)
def _immediate_tasks(settings: Any) -> None:
    """Tests run tasks in-process; the killed-worker test uses a real worker instead."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
