"""The core never imports Textual (DESIGN.md's layering rule)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_console_does_not_import_textual() -> None:
    code = (
        "import sys, pkgutil, importlib, console\n"
        "for m in pkgutil.walk_packages(console.__path__, 'console.'):\n"
        "    if '.migrations' in m.name or m.name.endswith('__main__'): continue\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules\n"
        "             if n == 'textual' or n.startswith(('textual.', 'screens')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "", f"console imported: {out.stdout.strip()}"
