"""/api/v1/audit-entries: read-only, for those with the audit.view capability."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from regulars.audit.schemas import AuditEntryOut
from regulars.audit.selectors import audit_entries
from regulars.core.api import ERRORS
from regulars.core.schemas import DEFAULT_LIMIT, Limit, Page, Text200, cursor_page
from regulars.tenancy.http import actor_of

router = Router(tags=["audit"])


@router.get("/audit-entries", response={200: Page[AuditEntryOut], **ERRORS})
def audit_entry_list(
    request: HttpRequest,
    cursor: Text200 | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    actor = actor_of(request)
    return cursor_page(audit_entries(org=actor.org, actor=actor), cursor=cursor, limit=limit)
