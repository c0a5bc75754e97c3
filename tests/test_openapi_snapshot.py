"""The API's contract is reviewed like code: changes to it show up as a diff of this file.

After an intended change: REGULARS_UPDATE_SNAPSHOTS=1 pytest tests/test_openapi_snapshot.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from regulars.api import api

SNAPSHOT = Path(__file__).parent / "snapshots" / "openapi.json"


def test_openapi_matches_the_committed_snapshot() -> None:
    current = json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True) + "\n"
    if os.environ.get("REGULARS_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(current)
    assert SNAPSHOT.read_text() == current, (
        "The API changed. If that was intended, run "
        "REGULARS_UPDATE_SNAPSHOTS=1 pytest tests/test_openapi_snapshot.py and commit the file."
    )
