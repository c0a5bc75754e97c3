"""Every file in the bad-file corpus gets its expected outcome, quickly and in little memory.

Each case is read in a fresh Python process (`python -m tests.transfer.bad_files`), which
reports its own peak resident memory: honest, unlike tracemalloc (which misses memory held
by C code such as zlib and expat), and per case, unlike RUSAGE_CHILDREN (a maximum over all
children). The file is written here, so only the reading is measured.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.transfer.bad_files import BAD_FILES, BadFile

ROOT = Path(__file__).resolve().parents[2]
MAX_SECONDS = 10
MAX_MEMORY_MB = 256


def test_corpus_is_large_and_named_uniquely() -> None:
    assert len(BAD_FILES) >= 32
    assert len({case.name for case in BAD_FILES}) == len(BAD_FILES)
    for case in BAD_FILES:
        assert (case.refusal is None) != (case.rejected_rows is None), case.name


@pytest.mark.parametrize("case", BAD_FILES, ids=[case.name for case in BAD_FILES])
def test_bad_file(case: BadFile, tmp_path: Path) -> None:
    path = case.make(tmp_path)
    completed = subprocess.run(
        [sys.executable, "-m", "tests.transfer.bad_files", case.name, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=MAX_SECONDS * 3,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    outcome = json.loads(completed.stdout)

    if case.refusal is not None:
        assert outcome["refusal"] is not None, f"read, but should be refused: {outcome}"
        assert case.refusal in outcome["refusal"]
    else:
        assert outcome["refusal"] is None, outcome["refusal"]
        errors = {int(number): error for number, error in outcome["errors"].items()}
        assert set(errors) == set(case.rejected_rows or {}), errors
        for number, expected in (case.rejected_rows or {}).items():
            assert expected in errors[number]

    assert outcome["seconds"] < MAX_SECONDS
    assert outcome["peak_mb"] < MAX_MEMORY_MB
