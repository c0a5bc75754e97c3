"""Every environment variable the code reads is in README's table."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READ = re.compile(
    r"""(?:env(?:\.\w+)?\(\s*|os\.environ\.get\(\s*|getenv\(\s*|environ\[\s*)["']([A-Z][A-Z0-9_]+)["']"""
)
INTERNAL = {
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "PLAYWRIGHT_BROWSERS_PATH",
    "CI",
    "REGULARS_UPDATE_SNAPSHOTS",
}


def test_readme_lists_every_environment_variable() -> None:
    readme = (ROOT / "README.md").read_text()
    sources = [
        *(ROOT / "regulars").rglob("*.py"),
        *(ROOT / "tests").rglob("*.py"),
        ROOT / "scripts" / "screenshots.py",
        ROOT / "scripts" / "test",
    ]
    names = {m for path in sources for m in READ.findall(path.read_text())} - INTERNAL
    names |= set(re.findall(r"\$\{?([A-Z][A-Z0-9_]+)", (ROOT / "scripts" / "test").read_text()))
    names -= {"PG_URL", "START"}  # the script's own variables
    missing = sorted(n for n in names if f"`{n}`" not in readme)
    assert not missing, f"Add these to README's settings table: {missing}"
    assert len(names) > 20
