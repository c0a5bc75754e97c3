"""The audit log page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from regulars.audit.selectors import audit_entries
from regulars.core.paging import paginate
from regulars.core.text import query_text
from regulars.tenancy.access import Cap
from regulars.tenancy.http import actor_of, staff_required


@staff_required(Cap.AUDIT_VIEW)
def audit_log(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    entries = audit_entries(org=actor.org, actor=actor)
    action = query_text(request.GET.get("action"), max_length=100)
    if action:
        entries = entries.filter(action__startswith=action)
    return render(
        request, "audit/audit_log.html", {"page": paginate(request, entries), "action": action}
    )
