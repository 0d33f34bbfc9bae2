"""issue 14: inputs that gave a traceback (exit 1) now give one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.cli.main import main


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "fd.db")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["report", "--from", "9999-12"], "outside the years a report can cover"),
        (["report", "--to", "9999-12"], "outside the years a report can cover"),
        (["report", "--at", "9999-12-31 12:00"], "too far from today"),
        (["report", "--at", "9999-12-31T23:30-05:00"], "too far from today"),
        (["demo", "--until", "9999-12-31"], "give a day from 2000 to 2100"),
        (["demo", "--until", "0001-01-05"], "give a day from 2000 to 2100"),
        (["purge", "--older-than", "1e309"], "whole number of years"),
        (["purge", "--older-than", "inf"], "whole number of years"),
        (["due", "callback-routine", "2025-03-30T01:30"], "does not exist in London"),
        (["due", "callback-routine", "0001-01-01T00:10"], "out of range"),
    ],
)
def test_out_of_range_input_is_one_line(
    db: str, argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", db, *argv]) == 2
    err = capsys.readouterr().err
    assert words in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_time_that_exists_twice_is_fine(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["due", "callback-routine", "2025-10-26T01:30"]) == 0
    assert capsys.readouterr().out.startswith("2025-10-31T17:00")
