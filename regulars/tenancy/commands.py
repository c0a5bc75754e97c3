"""The command line's one scope entry: `--org SLUG` (and `--actor EMAIL` for the audit)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from regulars.tenancy.access import Actor, Channel, actor_for_membership, system_actor
from regulars.tenancy.models import Organization, StaffMembership
from regulars.tenancy.scope import tenant_scope


class OrgCommand(BaseCommand):
    """A command that acts on one organization's data, in the foreground."""

    capability: str | None = None

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--org", required=True, help="The organization's slug.")
        parser.add_argument(
            "--actor", help="Email of the staff member acting (recorded in the audit log)."
        )
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["org"]).first()
        if org is None:
            raise CommandError(f"No organization with the slug {options['org']!r}.")
        with tenant_scope(org):
            actor = self._actor(org, options.get("actor"))
            if self.capability and not actor.can(self.capability):
                raise CommandError(f"{actor.label} is {actor.role}; this needs {self.capability}.")
            rest = {k: v for k, v in options.items() if k not in {"org", "actor"}}
            self.handle_org(org=org, actor=actor, **rest)

    def _actor(self, org: Organization, email: str | None) -> Actor:
        if not email:
            return system_actor(org, channel=Channel.CLI)
        membership = (
            StaffMembership.objects.select_related("user", "organization")
            .filter(user__email__iexact=email, is_active=True)
            .first()
        )
        if membership is None:
            raise CommandError(f"{email} is not an active member of {org.slug}.")
        return actor_for_membership(membership, channel=Channel.CLI)

    def confirm(self, question: str, options: dict[str, Any]) -> None:
        if options.get("yes"):
            return
        if not self.stdin_is_tty():
            raise CommandError(f"{question} Pass --yes to confirm without a prompt.")
        answer = input(f"{question} [y/N] ").strip().lower()
        if answer not in {"y", "yes"}:
            raise CommandError("Stopped; nothing was changed.")

    @staticmethod
    def stdin_is_tty() -> bool:
        import sys

        return sys.stdin.isatty()

    def handle_org(self, *, org: Organization, actor: Actor, **options: Any) -> None:
        raise TypeError(f"{type(self).__name__} must define handle_org().")
