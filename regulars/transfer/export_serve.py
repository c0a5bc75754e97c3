"""Serving an export file: always an attachment, never shown inline, never cached."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse

from regulars.core.errors import Gone
from regulars.transfer.models import ExportRun

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def attachment(run: ExportRun) -> FileResponse:
    try:
        handle = default_storage.open(run.file.name, "rb")
    except FileNotFoundError as exc:
        raise Gone(detail="The file is gone from the server; export again.") from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=run.file_name or f"customers.{run.format}",
        content_type=CONTENT_TYPES.get(run.format, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
