"""Response maps shared by every API operation, so the OpenAPI spec documents each 4xx."""

from __future__ import annotations

from typing import Any

from regulars.core.schemas import ErrorOut

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 409: ErrorOut}
# A file that is not ready yet (409) or has expired (410).
DOWNLOAD_ERRORS: dict[int, Any] = {**ERRORS, 409: ErrorOut, 410: ErrorOut}
# Changes to a versioned record: 428 without If-Match/version, 409 when it is stale.
VERSIONED_ERRORS: dict[int, Any] = {**WRITE_ERRORS, 428: ErrorOut}
