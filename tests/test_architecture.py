"""Lint the shape of the code: thin views, one-way imports, vendored assets only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "regulars"

# Lower layers never import higher ones (DESIGN.md §3). `audit.services` is the one upward
# import allowed, because every write in every app records who did it.
LAYERS = [
    "core",
    "tenancy",
    "accounts",
    "audit",
    "jobs",
    "customers",
    "lists",
    "history",
    "transfer",
    "demo",
]
ALLOWED_UPWARD = {"regulars.audit.services"}


def _modules() -> list[Path]:
    return [p for p in ROOT.rglob("*.py") if "migrations" not in p.parts]


def _imports(path: Path) -> list[str]:
    """Imports that run: those under `if TYPE_CHECKING:` are for annotations only."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            return
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def test_views_and_api_never_touch_managers() -> None:
    offenders = []
    for path in _modules():
        if not path.name.endswith(("views.py", "api.py")):
            continue
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\.(objects|unscoped)\b", line):
                offenders.append(f"{path.relative_to(ROOT)}:{lineno}: {line.strip()}")
    assert not offenders, "Views and API handlers go through selectors/services:\n" + "\n".join(
        offenders
    )


def test_views_and_api_do_not_import_models_of_other_apps() -> None:
    offenders = []
    for path in _modules():
        if not path.name.endswith(("views.py", "api.py")):
            continue
        app = path.relative_to(ROOT).parts[0]
        for name in _imports(path):
            match = re.match(r"regulars\.(\w+)\.models", name)
            if match and match.group(1) != app:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_unscoped_manager_only_in_tenancy_jobs_and_channel_entries() -> None:
    allowed_dirs = {"tenancy", "jobs"}
    # Channel entry points that find the organization from a token or key.
    allowed_files = {"accounts/selectors.py", "accounts/services.py", "accounts/invitations.py"}
    offenders = []
    for path in _modules():
        rel = path.relative_to(ROOT)
        if rel.parts[0] in allowed_dirs or str(rel) in allowed_files:
            continue
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            if ".unscoped." in line:
                offenders.append(f"{rel}:{lineno}")
    assert not offenders, "Use the scoped manager: " + ", ".join(offenders)


def test_imports_point_one_way() -> None:
    offenders = []
    for path in _modules():
        rel = path.relative_to(ROOT)
        if len(rel.parts) < 2 or rel.parts[0] not in LAYERS:
            continue
        level = LAYERS.index(rel.parts[0])
        for name in _imports(path):
            match = re.match(r"regulars\.(\w+)", name)
            if not match or match.group(1) not in LAYERS:
                continue
            if LAYERS.index(match.group(1)) > level and not any(
                name.startswith(ok) for ok in ALLOWED_UPWARD
            ):
                offenders.append(f"{rel} imports {name}")
    assert not offenders, "Imports must point down the layers:\n" + "\n".join(offenders)


def test_templates_load_no_remote_assets() -> None:
    remote = re.compile(r"""<(script|link|img)[^>]+(src|href)=["']\s*(https?:)?//""", re.I)
    offenders = []
    for path in ROOT.rglob("*.html"):
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            if remote.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{lineno}")
    assert not offenders, "Vendor every asset: " + ", ".join(offenders)


def test_vendored_assets_are_listed() -> None:
    vendored = ROOT / "static" / "vendor"
    listing = (vendored / "VENDORED.md").read_text()
    for folder in vendored.iterdir():
        if folder.is_dir():
            assert folder.name in listing, f"{folder.name} is not in VENDORED.md"
