"""The demo library imports without Django, and the bare package without torch or CUDA."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_py(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_catalog_imports_without_django_and_without_cuda():
    proc = run_py(
        "import sys; sys.modules['django'] = None\n"
        "import demos.catalog, demos.__main__, demos.common.env, demos.common.timing\n"
        "import torch\n"
        "assert not torch.cuda.is_initialized(), 'CUDA touched at import'\n"
        "assert not any(m.startswith('django') and sys.modules[m] for m in sys.modules)\n"
        "print(len(demos.catalog.all_demos()), len(demos.catalog.ORDER))"
    )
    assert proc.returncode == 0, proc.stderr
    registered, listed = proc.stdout.split()
    assert registered == listed and int(listed) >= 2


def test_package_and_contract_import_without_torch():
    proc = run_py(
        "import sys; sys.modules['django'] = None\n"
        "import demos, demos.base\n"
        "assert 'torch' not in sys.modules, 'demos/base.py pulled in torch'"
    )
    assert proc.returncode == 0, proc.stderr
    assert (ROOT / "demos" / "__init__.py").read_text() == ""
