from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from regulars.accounts.invitations import invitation_create
from regulars.accounts.models import Invitation, User
from regulars.accounts.tokens import hash_secret
from regulars.tenancy.models import Role, StaffMembership
from regulars.tenancy.scope import tenant_scope
from tests.conftest import Mailbox, World, login

pytestmark = pytest.mark.django_db


def _link(mailbox: Mailbox) -> str:
    body = mailbox.body(mailbox.messages[-1])
    match = re.search(r"https?://[^/\s]+(/accounts/invite/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def test_invitation_email_arrives_and_sets_a_password(
    world: World, smtp_server: Mailbox, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    owner = login(Client(), world.owner_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(
            "/settings/staff/invite/",
            {
                "email": "New.Person@Example.test",
                "role": "staff",
                "locations": [world.loc_a1.pk],
            },
        )
    assert response.status_code == 302
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "new.person@example.test"
    assert "Alpha Hair" in message["Subject"]
    link = _link(smtp_server)
    token = link.rstrip("/").rsplit("/", 1)[1]
    with tenant_scope(world.org_a):
        invitation = Invitation.objects.get(email="new.person@example.test")
        assert invitation.token_hash == hash_secret(token)  # only the hash is stored
        assert token not in str(list(Invitation.objects.values()))

    page = client.get(link)
    assert page.status_code == 200
    assert b"Set password and join" in page.content
    weak = client.post(link, {"name": "New Person", "password": "short", "password2": "short"})
    assert weak.status_code == 200
    assert b"too short" in weak.content
    assert b'value="New Person"' in weak.content  # what was typed is kept

    done = client.post(
        link,
        {
            "name": "New Person",
            "password": "a much longer secret 42",
            "password2": "a much longer secret 42",
        },
        follow=True,
    )
    assert done.status_code == 200
    assert b"Welcome to Alpha Hair" in done.content
    user = User.objects.get(email="new.person@example.test")
    assert user.check_password("a much longer secret 42")
    with tenant_scope(world.org_a):
        membership = StaffMembership.objects.get(user=user)
        assert membership.role == Role.STAFF
        assert not membership.all_locations
        assert list(membership.locations.values_list("pk", flat=True)) == [world.loc_a1.pk]
        assert Invitation.objects.get(pk=invitation.pk).status == "accepted"
    # The link works once.
    assert Client().get(link).status_code == 404


def test_expired_and_revoked_links_do_not_work(
    world: World, smtp_server: Mailbox, django_capture_on_commit_callbacks: Any
) -> None:
    with tenant_scope(world.org_a), django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(
            org=world.org_a, actor=world.owner_a.actor, email="late@example.test", role=Role.STAFF
        )
    link = _link(smtp_server)
    with tenant_scope(world.org_a):
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    response = Client().get(link)
    assert response.status_code == 404
    assert b"Ask for a new one" in response.content


def test_existing_login_joins_a_second_organization(
    world: World, smtp_server: Mailbox, django_capture_on_commit_callbacks: Any
) -> None:
    # The owner of org B is invited to org A and switches between them.
    owner_a = login(Client(), world.owner_a)
    with django_capture_on_commit_callbacks(execute=True):
        owner_a.post(
            "/settings/staff/invite/",
            {"email": world.owner_b.user.email, "role": "manager", "all_locations": "on"},
        )
    link = _link(smtp_server)
    anonymous = Client().get(link)
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    b = login(Client(), world.owner_b)
    assert b.post(link).status_code == 302
    page = b.get("/customers/").content.decode()
    assert "Alpha Hair" in page
    assert "Beta Barbers" in page  # the switcher lists both
    b.post("/settings/switch/", {"organization": world.org_b.pk})
    assert b.get("/api/v1/me").json()["organization_slug"] == world.org_b.slug


def test_staff_cannot_invite(world: World, client_for: Any) -> None:
    response = client_for(world.staff_a).post(
        "/settings/staff/invite/",
        {"email": "x@example.test", "role": "owner", "all_locations": "on"},
    )
    assert response.status_code == 403


def _invite(world: World, email: str, capture: Any, role: str = Role.STAFF) -> Invitation:
    with tenant_scope(world.org_a), capture(execute=True):
        return invitation_create(org=world.org_a, actor=world.owner_a.actor, email=email, role=role)


def test_one_working_link_per_person(
    world: World, smtp_server: Mailbox, django_capture_on_commit_callbacks: Any
) -> None:
    _invite(world, "bob@example.test", django_capture_on_commit_callbacks)
    first = _link(smtp_server)
    _invite(world, "bob@example.test", django_capture_on_commit_callbacks, Role.MANAGER)
    second = _link(smtp_server)
    assert Client().get(first).status_code == 404  # replaced by the newer invitation
    done = Client().post(
        second,
        {"name": "Bob", "password": "a long password 123", "password2": "a long password 123"},
    )
    assert done.status_code == 302
    with tenant_scope(world.org_a):
        assert StaffMembership.objects.get(user__email="bob@example.test").role == Role.MANAGER


def test_an_old_link_cannot_undo_a_deactivation(
    world: World,
    smtp_server: Mailbox,
    django_capture_on_commit_callbacks: Any,
    client_for: Any,
) -> None:
    # Bob is a member of org B; org A invites him, he joins, org A deactivates him.
    from tests.factories import make_member

    bob = make_member(world.org_b, Role.STAFF, email="bob@example.test")
    _invite(world, "bob@example.test", django_capture_on_commit_callbacks)
    link = _link(smtp_server)
    bob_client = login(Client(), bob)
    assert bob_client.post(link).status_code == 302
    with tenant_scope(world.org_a):
        membership = StaffMembership.objects.get(user=bob.user)
    owner = client_for(world.owner_a)
    owner.post(f"/settings/staff/{membership.pk}/", {"role": "staff", "all_locations": "on"})
    with tenant_scope(world.org_a):
        assert not StaffMembership.objects.get(user=bob.user).is_active
    bob_client.get("/")  # told he is no longer a member of org A; back in org B
    assert bob_client.post(link).status_code == 404  # used, and overtaken by the deactivation
    with tenant_scope(world.org_a):
        assert not StaffMembership.objects.get(user=bob.user).is_active


def test_resend_makes_a_new_link(
    world: World,
    smtp_server: Mailbox,
    django_capture_on_commit_callbacks: Any,
    client_for: Any,
) -> None:
    invitation = _invite(world, "carol@example.test", django_capture_on_commit_callbacks)
    old = _link(smtp_server)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.owner_a).post(
            f"/settings/invitations/{invitation.pk}/resend/", follow=True
        )
    assert b"A new link is on its way" in response.content
    new = _link(smtp_server)
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200


def test_a_mail_server_that_is_down_loses_no_invitation(
    world: World, settings: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.owner_a).post(
            "/settings/staff/invite/",
            {"email": "dana@example.test", "role": "staff", "all_locations": "on"},
        )
    assert response.status_code == 302
    with tenant_scope(world.org_a):
        assert Invitation.objects.get(email="dana@example.test").status == "pending"


def test_a_resent_invitation_works_after_a_membership_change(
    world: World,
    smtp_server: Mailbox,
    django_capture_on_commit_callbacks: Any,
    client_for: Any,
) -> None:
    from tests.factories import make_member

    bob = make_member(world.org_b, Role.STAFF, email="bob2@example.test")
    with tenant_scope(world.org_a):
        StaffMembership.objects.create(
            organization=world.org_a, user=bob.user, role=Role.STAFF, is_active=False
        )
    invitation = _invite(world, "bob2@example.test", django_capture_on_commit_callbacks)
    with tenant_scope(world.org_a):
        StaffMembership.objects.filter(user=bob.user).update(updated_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.owner_a).post(f"/settings/invitations/{invitation.pk}/resend/")
    link = _link(smtp_server)
    bob_client = login(Client(), bob)
    assert bob_client.post(link).status_code == 302
    with tenant_scope(world.org_a):
        assert StaffMembership.objects.get(user=bob.user).is_active
