"""Template context: the current organization, the switcher's list and the actor's rights."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from regulars.tenancy.access import ROLE_CAPABILITIES
from regulars.tenancy.selectors import memberships_for_user


def tenancy(request: HttpRequest) -> dict[str, Any]:
    actor = getattr(request, "actor", None)
    if actor is None or actor.user is None:
        return {"current_org": None, "can": {}, "my_orgs": []}
    return {
        "current_org": actor.org,
        "current_role": actor.role,
        "can": {
            cap.replace(".", "_"): True for cap in ROLE_CAPABILITIES[actor.role] if actor.can(cap)
        },
        "my_orgs": [m.organization for m in memberships_for_user(user_id=actor.user.pk)],
    }
