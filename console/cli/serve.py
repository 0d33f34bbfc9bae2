"""`frontdesk serve`: the console (or the wall) in web browsers, through textual-serve.

    frontdesk [--db DB] [--policy P] serve [--host 127.0.0.1] [--port 8000] [--wall]

Every browser tab that opens the page starts its own console process on the
same database, so each tab is a seat: it signs in with a PIN like a terminal
does. It listens on loopback unless told otherwise; on any other address,
anyone who can reach it on the network sees the sign-in page, and it says so.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import socket
import sys
from pathlib import Path

from console.desk.desks import DESKS
from console.rules.errors import FrontDeskError, InputError

LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")
WILDCARDS = ("0.0.0.0", "::", "")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for the network)",
    )
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument(
        "--wall",
        action="store_true",
        help="serve the read-only wall display instead of the console (no sign-in)",
    )
    parser.add_argument(
        "--desk",
        choices=list(DESKS),
        default="calls",
        help="which desk each seat opens first",
    )
    parser.add_argument(
        "--public-url",
        default=None,
        metavar="URL",
        help="the address browsers use to reach this server, when it differs from --host/--port "
        "(e.g. behind a proxy)",
    )


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def child_command(args: argparse.Namespace) -> tuple[str, dict[str, str]]:
    """The shell command each browser tab runs, and the environment it needs.

    A file database is passed as an absolute path (the same file whatever the
    tab's working folder). A server URL goes through FRONTDESK_DB instead, so a
    password never shows in the process list.
    """
    argv = [sys.executable, "-m", "console"]
    env: dict[str, str] = {}
    db = args.db or os.environ.get("FRONTDESK_DB")
    if db:
        if "://" in str(db):
            env["FRONTDESK_DB"] = str(db)
        else:
            from console.store.engine import database_url

            argv += ["--db", database_url(db).removeprefix("sqlite:///")]
    if args.policy:  # else each tab uses the landlord the database records
        policy = str(args.policy)
        if policy.endswith(".toml") or os.sep in policy or "/" in policy:
            policy = str(Path(policy).expanduser().resolve())  # a landlord's own file: absolute
        argv += ["--policy", policy]
    if args.wall:
        argv.append("wall")
    else:
        argv += ["run", "--desk", args.desk]
    return shlex.join(argv), env


def public_url(host: str, port: int, given: str | None) -> str:
    """Where browsers find the server (textual-serve writes it into the page's websocket URL)."""
    if given:
        return given.rstrip("/")
    if host.strip() in WILDCARDS:
        host = socket.getfqdn() or socket.gethostname()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def run(args: argparse.Namespace) -> int:
    from console.desk.open import open_desk

    if not 0 < args.port < 65536:
        raise InputError(f"--port {args.port} is not a port: give a number from 1 to 65535")
    # Create/migrate once and settle the landlord: a bad --db or --policy stops here with
    # one line, not in every browser tab.
    open_desk(args.db, args.policy, writable=not args.wall).store.close()

    command, env = child_command(args)
    os.environ.update(env)
    url = public_url(args.host, args.port, args.public_url)
    what = "wall display" if args.wall else "console"
    if not is_loopback(args.host):
        print(
            f"Warning: listening on {args.host}: anyone who can reach this machine on the network "
            f"can open the {'wall (no sign-in needed)' if args.wall else 'sign-in page'} at {url}. "
            "Use --host 127.0.0.1 to keep it to this machine.",
            file=sys.stderr,
            flush=True,
        )
    _check_port_free(args.host, args.port)

    title = "Front Desk wall" if args.wall else "Front Desk"
    from console.cli.main import ui

    server = ui("web").server_class()(
        command=command, host=args.host, port=args.port, title=title, public_url=url
    )
    print(f"Front Desk {what}: open {url} in a web browser. Ctrl+C stops it.", flush=True)
    server.serve()
    return 0


def _check_port_free(host: str, port: int) -> None:
    """Fail with one line (not an aiohttp traceback) when the address is taken."""
    try:
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise InputError(
            f"--host {host} is not an address this machine has ({exc.strerror})"
        ) from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise ServeError(
                f"cannot listen on {host}:{port} ({exc.strerror}): another program (or another "
                "frontdesk serve) has it; choose another --port"
            ) from None


class ServeError(FrontDeskError):
    """The web server cannot start (address taken, not an address of this machine)."""
