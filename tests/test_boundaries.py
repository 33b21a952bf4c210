"""Import boundaries (architecture §1.1) and the |safe rule for templates."""

import ast
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

PURE_ZOTERO = ("__init__", "names", "highwire", "coins", "ris", "csl", "bibtex", "exports", "rdf")
PURE_READER_MODULES = sorted(
    [
        *REPO_ROOT.glob("reader/arxiv/*.py"),
        *(REPO_ROOT / "reader" / "zotero" / f"{name}.py" for name in PURE_ZOTERO),
        REPO_ROOT / "reader" / "search" / "query.py",
        REPO_ROOT / "reader" / "search" / "highlight.py",
    ]
)


@pytest.mark.parametrize(
    "module", ["renderer", "demos.catalog", "demos.__main__", "reader.arxiv", "reader.zotero"]
)
def test_pure_library_imports_without_django(module):
    code = (
        "import sys; sys.modules['django'] = None\n"
        f"import importlib; importlib.import_module({module!r})\n"
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules if sys.modules[m])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.mark.parametrize(
    "path", PURE_READER_MODULES, ids=lambda p: str(p.relative_to(REPO_ROOT / "reader"))
)
def test_pure_reader_modules_import_no_django_or_models(path):
    tree = ast.parse(path.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    bad = {
        name
        for name in imported
        if name.split(".")[0] == "django" or name.startswith("reader.models")
    }
    bad |= {
        name
        for name in imported
        if name.startswith(("reader.services", "reader.selectors", "demos"))
    }
    assert not bad, f"{path.name} imports {bad}"


def test_pure_modules_exist():
    assert all(p.is_file() for p in PURE_READER_MODULES)
    assert len(PURE_READER_MODULES) >= 20


def test_reader_never_imports_demos():
    """The paper page's demo panel is a demos template tag; reader code imports nothing of demos."""
    offenders = []
    for path in (REPO_ROOT / "reader").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "demos" or n.startswith("demos.") for n in names):
                offenders.append(str(path.relative_to(REPO_ROOT)))
    assert offenders == []


SAFE_FILTER = re.compile(r"\{\{\s*([^}|]+?)\s*\|[^}]*\bsafe\b")


def test_safe_filter_only_on_rendered_html_fields():
    offenders = []
    for template in REPO_ROOT.glob("*/templates/**/*.html"):
        for match in SAFE_FILTER.finditer(template.read_text()):
            if not match.group(1).strip().endswith("_html"):
                offenders.append(f"{template.relative_to(REPO_ROOT)}: {match.group(0)}")
    assert not offenders, offenders


def test_mark_safe_is_not_used_in_app_code():
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for app in ("reader", "demos")
        for path in (REPO_ROOT / app).rglob("*.py")
        if "mark_safe" in path.read_text() or "SafeString(" in path.read_text()
    ]
    assert not offenders, offenders
