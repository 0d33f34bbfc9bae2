"""issue 14: what opening a database refuses, and says, before a desk writes into it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from console.cli.main import main
from console.rules.errors import StoreError
from console.store.engine import open_store
from tests.conftest import add_staff


def test_a_device_is_not_a_database(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(StoreError, match="not a database file"):
        open_store("/dev/null")
    assert main(["--db", "/dev/null", "queue"]) == 2
    err = capsys.readouterr().err
    assert "not a database file" in err and "disk" not in err


def test_an_existing_database_readable_by_others_is_closed_up(tmp_path: Path) -> None:
    db = tmp_path / "fd.db"
    open_store(db).close()
    os.chmod(db, 0o644)
    open_store(db).close()
    assert db.stat().st_mode & 0o777 == 0o600


def test_damaged_pages_are_found_at_open_and_nothing_is_written(tmp_path: Path) -> None:
    db = tmp_path / "fd.db"
    store = open_store(db)
    for i in range(300):
        add_staff(store, f"Person Number {i} " + "x" * 60, f"p{i}", "handler")
    store.close()
    size = db.stat().st_size
    with db.open("r+b") as f:  # scribble over the headers of pages in the middle of the file
        for page in range(size // 4096 // 3, size // 4096 * 2 // 3):
            f.seek(page * 4096)
            f.write(b"\xff" * 64)
    damaged = db.read_bytes()
    with pytest.raises(StoreError, match="is damaged"):
        open_store(db)
    assert db.read_bytes() == damaged  # refused before anything was written


def test_a_read_only_file_system_says_so(tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a read-only file system")
    folder = tmp_path / "ro"
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        open_store(folder / "fd.db").close()
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        with pytest.raises(StoreError, match="read-only file system"):
            open_store(folder / "fd.db")
    finally:
        subprocess.run(["umount", str(folder)])
