"""Who may do what: named capabilities mapped to roles in one table, and the acting Actor.

Code checks capabilities, never role names. Later apps add their capabilities here, in
the one table, so that a role's rights can be read in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from regulars.core.errors import Forbidden
from regulars.tenancy.models import Organization, Role

if TYPE_CHECKING:
    from regulars.accounts.models import User
    from regulars.tenancy.models import StaffMembership


class Cap:
    """Capability names. Dotted: `<area>.<verb>`."""

    CUSTOMERS_VIEW = "customers.view"
    CUSTOMERS_EDIT = "customers.edit"
    CUSTOMERS_DELETE = "customers.delete"
    CUSTOMERS_MERGE = "customers.merge"
    CATEGORIES_MANAGE = "categories.manage"
    NOTES_EDIT = "notes.edit"
    REMINDERS_EDIT = "reminders.edit"
    HISTORY_EDIT = "history.edit"  # record visits, orders, invoices and payments
    SERVICES_MANAGE = "services.manage"  # the services catalogue
    TRANSFER_IMPORT = "transfer.import"
    TRANSFER_EXPORT = "transfer.export"
    DATA_LOG_VIEW = "transfer.data_log"  # who took which customers' data, and when
    MESSAGING_SEND = "messaging.send"
    JOBS_START = "jobs.start"
    AUDIT_VIEW = "audit.view"
    LOCATIONS_MANAGE = "locations.manage"
    STAFF_MANAGE = "staff.manage"
    SETTINGS_MANAGE = "settings.manage"
    API_KEYS_MANAGE = "api_keys.manage"


_READ = {Cap.CUSTOMERS_VIEW}
_STAFF = _READ | {Cap.CUSTOMERS_EDIT, Cap.NOTES_EDIT, Cap.REMINDERS_EDIT, Cap.HISTORY_EDIT}
_MANAGER = _STAFF | {
    Cap.CUSTOMERS_DELETE,
    Cap.CUSTOMERS_MERGE,
    Cap.CATEGORIES_MANAGE,
    Cap.SERVICES_MANAGE,
    Cap.TRANSFER_IMPORT,
    Cap.TRANSFER_EXPORT,
    Cap.MESSAGING_SEND,
    Cap.JOBS_START,
    Cap.AUDIT_VIEW,
}
_OWNER = _MANAGER | {
    Cap.DATA_LOG_VIEW,
    Cap.LOCATIONS_MANAGE,
    Cap.STAFF_MANAGE,
    Cap.SETTINGS_MANAGE,
    Cap.API_KEYS_MANAGE,
}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(_OWNER),
    Role.MANAGER: frozenset(_MANAGER),
    Role.STAFF: frozenset(_STAFF),
    Role.READONLY: frozenset(_READ),
}


# Rights that reach past any one location: a member limited to some locations lacks them
# whatever the role (the audit log, staff, keys and settings cover every location).
ALL_LOCATIONS_ONLY = frozenset(
    {
        Cap.AUDIT_VIEW,
        Cap.LOCATIONS_MANAGE,
        Cap.STAFF_MANAGE,
        Cap.SETTINGS_MANAGE,
        Cap.API_KEYS_MANAGE,
        Cap.DATA_LOG_VIEW,
        # An import finds and updates customers across the whole organization.
        Cap.TRANSFER_IMPORT,
    }
)


def role_can(role: str, capability: str) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())


class Channel:
    PAGE = "page"
    API = "api"
    IMPORT = "import"
    JOB = "job"
    CLI = "cli"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Whoever acts: a staff member (page, API session, CLI), an API key, or the system.

    Passed explicitly to every service and selector with the organization.
    """

    org: Organization
    role: str
    channel: str
    user: User | None = None
    membership: StaffMembership | None = None
    api_key_id: int | None = None
    location_ids: frozenset[int] | None = None  # None: all locations

    def can(self, capability: str) -> bool:
        if self.location_ids is not None and capability in ALL_LOCATIONS_ONLY:
            return False
        return role_can(self.role, capability)

    def require(self, capability: str) -> None:
        if not self.can(capability):
            raise Forbidden()

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.email
        if self.api_key_id is not None:
            return f"API key #{self.api_key_id}"
        return "system"

    def with_channel(self, channel: str) -> Actor:
        return Actor(
            org=self.org,
            role=self.role,
            channel=channel,
            user=self.user,
            membership=self.membership,
            api_key_id=self.api_key_id,
            location_ids=self.location_ids,
        )


def actor_for_membership(membership: StaffMembership, *, channel: str) -> Actor:
    location_ids = (
        None
        if membership.all_locations
        else frozenset(membership.locations.values_list("id", flat=True))
    )
    return Actor(
        org=membership.organization,
        role=membership.role,
        channel=channel,
        user=membership.user,
        membership=membership,
        location_ids=location_ids,
    )


def system_actor(org: Organization, *, channel: str = Channel.SYSTEM) -> Actor:
    return Actor(org=org, role=Role.OWNER, channel=channel)
