"""The email that tells the requester their export is ready, with its link."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone

from regulars.transfer.models import ExportRun


def send_link(export_id: int) -> None:
    """Sent after the export's transaction commits (in its organization's scope); an API
    key has no address, so its caller polls the export instead."""
    run = ExportRun.objects.select_related("organization", "requested_by").get(pk=export_id)
    user = run.requested_by
    if user is None or not user.email or run.expires_at is None:
        return
    org = run.organization
    body = render_to_string(
        "transfer/email/export_ready.txt",
        {
            "run": run,
            "org": org,
            "user": user,
            "link": f"{settings.SITE_URL}/exports/{run.token}/",
            "expires": timezone.localtime(run.expires_at, ZoneInfo(org.time_zone)),
        },
    )
    EmailMessage(
        subject=f"Your export from {org.name} is ready",
        body=body,
        to=[user.email],
        reply_to=[org.reply_to] if org.reply_to else None,
    ).send()
