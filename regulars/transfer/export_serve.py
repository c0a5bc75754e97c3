"""Serving an export file: always an attachment, never shown inline, never cached."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse

from regulars.transfer.models import ExportRun

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def attachment(run: ExportRun, handle: Any) -> FileResponse:
    """`handle`: the file `exports.export_download` opened before it logged the download."""
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=run.file_name or f"customers.{run.format}",
        content_type=CONTENT_TYPES.get(run.format, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
