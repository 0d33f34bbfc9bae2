"""`frontdesk staff`: add, list, deactivate, reactivate, reset a PIN, change a role.

    frontdesk staff add "Ann Smith" [--login asmith] --role admin [--team T] [--pin-stdin]
    frontdesk staff list [--active]
    frontdesk staff deactivate LOGIN
    frontdesk staff reactivate LOGIN
    frontdesk staff reset-pin LOGIN [--pin-stdin]
    frontdesk staff role LOGIN ROLE

The command line is a local admin tool: it acts as whoever holds this machine
account (audit events with no staff id and detail "cli <user>"). A PIN is never
given on the command line (it would sit in the shell history): it is typed twice
at a terminal (hidden), or read as one line from standard input with --pin-stdin.
There is never a default PIN.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from console.rules.roles import ROLES

if TYPE_CHECKING:
    from datetime import datetime

    from console.desk.context import Desk
    from console.desk.people import StaffView

ROLE_CHOICES = list(ROLES)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="staff_command", metavar="ACTION")
    add = sub.add_parser("add", help="add a staff member with their own PIN")
    add.add_argument("name", metavar="NAME", help='full name, e.g. "Ann Smith"')
    add.add_argument("--login", default="", help="sign-in login (default: initial and surname)")
    add.add_argument("--role", required=True, choices=ROLE_CHOICES, help="what they may do")
    add.add_argument("--team", default="", help="their team, e.g. Customer Services")
    add.add_argument(
        "--pin-stdin", action="store_true", help="read the PIN as one line from standard input"
    )
    lst = sub.add_parser("list", help="list staff: login, name, role, team, status")
    lst.add_argument("--active", action="store_true", help="only staff who can sign in")
    for name, help_text in (
        ("deactivate", "stop a staff member signing in (their records keep their name)"),
        ("reactivate", "let a deactivated staff member sign in again"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("login", metavar="LOGIN")
    reset = sub.add_parser("reset-pin", help="set a new PIN (also lifts a lock-out)")
    reset.add_argument("login", metavar="LOGIN")
    reset.add_argument(
        "--pin-stdin", action="store_true", help="read the PIN as one line from standard input"
    )
    role = sub.add_parser("role", help="change a staff member's role")
    role.add_argument("login", metavar="LOGIN")
    role.add_argument("role", metavar="ROLE", choices=ROLE_CHOICES, help=", ".join(ROLE_CHOICES))


def read_pin(
    from_stdin: bool,
    *,
    stdin: TextIO | None = None,
    prompt: str = "PIN (4 to 8 digits): ",
) -> str:
    """The PIN from stdin (--pin-stdin) or typed twice, hidden, at a terminal."""
    from console.desk.people import check_pin
    from console.rules.errors import InputError

    stream = stdin or sys.stdin
    if from_stdin:
        line = stream.readline()
        return check_pin(line.rstrip("\r\n"))
    if not stream.isatty():
        raise InputError(
            "no PIN given: run this at a terminal to type it, or pass --pin-stdin and pipe it in"
        )
    import getpass

    first = getpass.getpass(prompt)
    check_pin(first)
    second = getpass.getpass("The same PIN again: ")
    if first != second:
        raise InputError("the two PINs differ: nothing was changed, try again")
    return first


def _desk(args: argparse.Namespace) -> Desk:
    from console.desk.context import cli_actor
    from console.desk.open import open_desk

    return open_desk(args.db, args.policy, actor=cli_actor())


def shown(text: str) -> str:
    """Text for a terminal: control characters (escape sequences) shown as '?'."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def run(args: argparse.Namespace) -> int:
    from console.desk import people
    from console.rules.errors import InputError

    action = getattr(args, "staff_command", None)
    if action is None:
        raise InputError(
            "say what to do: frontdesk staff add|list|deactivate|reactivate|reset-pin|role"
        )
    pin = ""
    if action == "add":
        name = people.check_name(args.name)
        login = people.check_login(args.login or people.suggest_login(name))
        people.check_role(args.role)
        pin = read_pin(args.pin_stdin)
    desk = _desk(args)
    try:
        if action == "add":
            made = people.add_staff(desk, name, login, args.role, pin, team=args.team)
            print(f"added {shown(made.name)} ({made.role_words}), login {made.login}")
        elif action == "list":
            rows = people.list_staff(desk, include_inactive=not args.active)
            print_table(rows, desk.now(), sys.stdout)
        elif action == "deactivate":
            s = people.deactivate(desk, args.login)
            print(f"{shown(s.name)} ({s.login}) is deactivated: they can no longer sign in")
        elif action == "reactivate":
            s = people.reactivate(desk, args.login)
            print(f"{shown(s.name)} ({s.login}) can sign in again")
        elif action == "reset-pin":
            s = people.get_staff(desk, args.login)
            pin = read_pin(args.pin_stdin, prompt=f"New PIN for {shown(s.name)} (4 to 8 digits): ")
            s = people.reset_pin(desk, s.id, pin)
            print(f"new PIN set for {shown(s.name)} ({s.login})")
        elif action == "role":
            s = people.change_role(desk, args.login, args.role)
            print(f"{shown(s.name)} ({s.login}) is now {s.role_words}")
    finally:
        desk.store.close()
    return 0


def print_table(rows: list[StaffView], now: datetime, out: TextIO) -> None:
    if not rows:
        out.write("no staff yet: add an admin with frontdesk staff add NAME --role admin\n")
        return
    table = [("LOGIN", "NAME", "ROLE", "TEAM", "STATUS")]
    table += [(s.login, shown(s.name), s.role_words, shown(s.team), s.status(now)) for s in rows]
    widths = [max(len(r[i]) for r in table) for i in range(5)]
    for r in table:
        line = "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True))
        out.write(line.rstrip() + "\n")
