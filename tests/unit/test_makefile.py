"""`make run` installs what running needs; tests, checks and benchmarks add their extras."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _plan(target: str, venv: Path) -> list[str]:
    """The commands `make TARGET` would run on a machine with no .venv yet (make -n)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(
        ["make", "-n", "-C", str(ROOT), target, f"VENV={venv}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in done.stdout.splitlines() if "pip install" in line]


def test_run_installs_only_the_runtime(tmp_path: Path) -> None:
    for target in ("run", "demo"):
        installs = _plan(target, tmp_path / ".venv")
        assert installs, target
        assert any(line.rstrip().endswith("-e .") for line in installs)
        assert not any("[" in line for line in installs), installs


@pytest.mark.parametrize("target", ["test", "check", "bench"])
def test_test_check_and_bench_add_the_extras_to_the_same_venv(tmp_path: Path, target: str) -> None:
    installs = _plan(target, tmp_path / ".venv")
    assert any(line.rstrip().endswith("-e .") for line in installs)
    assert any("[test,dev,bench]" in line for line in installs)
    assert all(str(tmp_path / ".venv") in line for line in installs)
