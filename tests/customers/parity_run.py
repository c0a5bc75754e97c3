"""The other engine's side of `test_search_parity`: run as `python -m tests.customers.parity_run
OUT` from the project root with DATABASE_URL naming a fresh, empty database. Migrates it,
seeds and searches through `tests.customers.parity_data`, writes the JSON to OUT."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import django


def main(out: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulars.settings")
    django.setup()
    from django.core.management import call_command

    from tests.customers.parity_data import seed_and_search

    call_command("migrate", verbosity=0, interactive=False)
    out.write_text(json.dumps(seed_and_search()))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
