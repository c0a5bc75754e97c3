from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema


class AuditEntryOut(Schema):
    id: int
    created_at: datetime
    actor_label: str
    channel: str
    action: str
    target_type: str
    target_id: str
    target_label: str
    customer_id: int | None
    changes: dict[str, Any]
