from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import Mailbox, World

pytestmark = pytest.mark.django_db


def test_reset_by_email(world: World, smtp_server: Mailbox, client: Client) -> None:
    email = world.staff_a.user.email
    assert client.post("/accounts/reset/", {"email": email}).status_code == 302
    assert len(smtp_server.messages) == 1
    body = smtp_server.body(smtp_server.messages[0])
    link = re.search(r"https?://[^/\s]+(/accounts/reset/[^\s]+/)", body)
    assert link, body
    form = client.get(link.group(1), follow=True)
    assert b"Set a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "brand new secret 99", "new_password2": "brand new secret 99"},
    )
    assert done.status_code == 302
    world.staff_a.user.refresh_from_db()
    assert world.staff_a.user.check_password("brand new secret 99")


def test_unknown_email_sends_nothing_and_says_the_same(
    world: World, smtp_server: Mailbox, client: Client
) -> None:
    response = client.post("/accounts/reset/", {"email": "nobody@example.test"}, follow=True)
    assert b"Check your email" in response.content
    assert smtp_server.messages == []
