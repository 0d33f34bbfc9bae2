"""The `frontdesk` command line.

Each subcommand lives in `console/cli/<module>.py` with `add_arguments(parser)`
and `run(args) -> int`; this file only wires them up, so it stays cheap to import.
Errors of the core (`FrontDeskError`) print one line and exit 2: never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from console.rules.errors import FrontDeskError

# (command, module under console.cli, one-line help)
COMMANDS: list[tuple[str, str, str]] = [
    ("run", "run", "open the console in this terminal (the default)"),
    ("serve", "serve", "serve the console to web browsers (textual-serve)"),
    ("wall", "wall", "large-type read-only queue for the office wall"),
    ("standards", "standards", "print the profile's commitments as a table"),
    ("due", "due", "print the due instant of a commitment received at an instant"),
    ("queue", "queue", "print the live queue of open tasks, soonest deadline first"),
    ("report", "report", "performance against every published standard"),
    ("demo", "demo", "fill a database with a realistic stretch of front-desk work"),
    ("import", "import_", "import calls, customers or staff from the landlord's other systems"),
    ("phone", "phone", "connect the phone system: CTI endpoint, Asterisk AMI, extensions"),
    ("staff", "staff", "add, list, deactivate staff and reset PINs"),
    ("export", "export", "export everything held on a customer (subject access)"),
    ("purge", "purge", "anonymise contacts and closed tasks older than a period"),
    ("migrate", "migrate", "bring the database schema up to date"),
    ("landlord", "landlord", "whose standards this database is held to; change it deliberately"),
    ("backup", "backup", "a checked copy of the live database; keeps the newest N"),
    ("restore", "restore", "put a backup back (checked and migrated first)"),
    ("copy", "copy", "copy every table onto an empty PostgreSQL database"),
]


def ui(name: str) -> ModuleType:
    """A module of the UI (`screens/<name>`), imported only when a command opens it.

    The one place where the core reaches the UI: nothing in console/ imports
    Textual at import time, so the CLI's other commands and the tests stay UI-free.
    """
    return importlib.import_module(f"screens.{name}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="frontdesk",
        description="Front Desk: the front desk and freephone console for housing associations.",
    )
    parser.add_argument(
        "--db",
        default=os.environ.get("FRONTDESK_DB"),
        help="database file or URL (default: FRONTDESK_DB, else a file in your data folder)",
    )
    parser.add_argument(
        "--policy",
        default=os.environ.get("FRONTDESK_POLICY") or None,
        help="policy profile: a shipped name (bha, weslo) or a path to a TOML file "
        "(default: FRONTDESK_POLICY, else the one the database records, else bha)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module, help_text in COMMANDS:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(_module=module)
        try:
            mod = importlib.import_module(f"console.cli.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"console.cli.{module}":
                raise
            command.set_defaults(_missing=True)
            continue
        mod.add_arguments(command)
        _accept_global_options_after(command)
    return parser


def _accept_global_options_after(command: argparse.ArgumentParser) -> None:
    """One rule for every command: `--db` and `--policy` go before or after it.

    `frontdesk --db X staff list`, `frontdesk staff list --db X` and
    `frontdesk staff --db X list` are the same; so for every nested action.
    SUPPRESS leaves the value given earlier alone unless the option is given again.
    """
    for flag, help_text in (
        ("--db", "database file or URL (as before the command)"),
        ("--policy", "policy profile (as before the command)"),
    ):
        if flag not in command._option_string_actions:
            command.add_argument(flag, default=argparse.SUPPRESS, help=help_text)
    for action in command._actions:
        if isinstance(action, argparse._SubParsersAction):
            for nested in action.choices.values():
                _accept_global_options_after(nested)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*(argv or sys.argv[1:]), "run"])
    if getattr(args, "_missing", False):
        print(f"frontdesk {args.command}: not available in this build", file=sys.stderr)
        return 2
    module = importlib.import_module(f"console.cli.{args._module}")
    try:
        return int(module.run(args) or 0)
    except FrontDeskError as exc:
        print(f"frontdesk {args.command}: {exc}", file=sys.stderr)
        return 2
    except OverflowError as exc:
        # The last net under dates and numbers past what a calendar holds (each input is
        # checked where it is read; this keeps a missed one to one line, not a traceback).
        print(
            f"frontdesk {args.command}: a date or number given is out of range ({exc}): "
            "check the values on the command line",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `frontdesk queue | head`: the reader left; say nothing more.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
