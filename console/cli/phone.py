"""`frontdesk phone`: connect the phone system.

    frontdesk phone listen --token-file FILE [--host 127.0.0.1] [--port 8020]
    frontdesk phone asterisk --host HOST [--port 5038] --user USER --secret-file FILE
    frontdesk phone map LOGIN [--extension EXT] [--agent NAME]
    frontdesk phone figures

``listen`` serves the Zammad-compatible generic CTI endpoint
``POST /api/v1/cti/<token>``; ``asterisk`` follows the Asterisk Manager Interface;
both write calls through the desk services and run until stopped (Ctrl-C).
``map`` says where a staff member's calls ring (an admin's job; the CLI acts as
the system). ``figures`` prints the live figures the calls desk shows.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="phone_command", metavar="ACTION", required=True)
    listen = sub.add_parser("listen", help="serve the generic CTI endpoint for the PBX")
    listen.add_argument("--host", default="127.0.0.1", help="address to listen on")
    listen.add_argument("--port", type=int, default=8020, help="port (default 8020; 0: any)")
    listen.add_argument(
        "--token-file", required=True, metavar="FILE", help="file holding the URL's secret token"
    )
    listen.add_argument("--quiet", action="store_true", help="do not log each event")
    ami = sub.add_parser("asterisk", help="follow Asterisk's Manager Interface (AMI)")
    ami.add_argument("--host", required=True, help="the Asterisk server")
    ami.add_argument("--port", type=int, default=5038, help="AMI port (default 5038)")
    ami.add_argument("--user", required=True, help="AMI user (manager.conf)")
    ami.add_argument(
        "--secret-file", required=True, metavar="FILE", help="file holding the AMI secret"
    )
    mapping = sub.add_parser("map", help="set a staff member's extension and PBX agent name")
    mapping.add_argument("login", help="the staff member's login")
    mapping.add_argument("--extension", default=None, help="desk phone extension, e.g. 201")
    mapping.add_argument("--agent", default=None, help="the PBX's agent or user name")
    sub.add_parser("figures", help="calls waiting now, answered and abandoned today")


def read_secret(path: str, what: str) -> str:
    """The secret in a file, stripped; a missing, unreadable or empty file is an InputError."""
    from console.rules.errors import InputError

    try:
        secret = Path(path).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise InputError(f"the {what} file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the {what} file {path}: {exc}") from None
    if not secret:
        raise InputError(f"the {what} file {path} is empty: put the {what} in it")
    if len(secret) < 8 and what == "token":
        raise InputError(f"the token in {path} is too short: use at least 8 random characters")
    if any(ch.isspace() or ch == "/" for ch in secret) and what == "token":
        raise InputError(f"the token in {path} must be one word without '/'")
    return secret


def run(args: argparse.Namespace) -> int:
    from console.desk.context import cli_actor
    from console.desk.open import open_desk

    port = getattr(args, "port", 0)
    if not 0 <= port <= 65535:
        from console.rules.errors import InputError

        raise InputError(f"--port {port} is not a port: give a number from 1 to 65535")
    if args.phone_command == "listen":
        token = read_secret(args.token_file, "token")
        desk = open_desk(args.db, args.policy)  # the phone system writes; no one signed in
        try:
            return _listen(desk, token, args)
        finally:
            desk.store.close()
    if args.phone_command == "asterisk":
        from console.phone.ami import follow

        secret = read_secret(args.secret_file, "secret")
        desk = open_desk(args.db, args.policy)
        try:
            return follow(desk, args.host, args.port, args.user, secret)
        finally:
            desk.store.close()
    desk = open_desk(args.db, args.policy, actor=cli_actor())
    try:
        if args.phone_command == "map":
            from console.desk.phone import set_mapping

            done = set_mapping(desk, args.login, extension=args.extension, agent=args.agent)
            print(
                f"{done.name} ({done.login}): extension '{done.extension or '-'}', "
                f"PBX agent '{done.agent or '-'}'"
            )
            return 0
        from console.desk.phone import live_figures

        print(live_figures(desk.with_actor(None)).line)
        return 0
    finally:
        desk.store.close()


def _listen(desk: object, token: str, args: argparse.Namespace) -> int:
    import asyncio
    import contextlib

    from console.desk.context import Desk
    from console.phone.listener import Listener, serve

    assert isinstance(desk, Desk)
    listener = Listener(desk, token, quiet=args.quiet)

    def ready(port: int) -> None:
        print(
            f"listening on http://{args.host}:{port}/api/v1/cti/<token> "
            f"({desk.profile.short_name}); Ctrl-C stops",
            flush=True,
        )

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(listener, args.host, args.port, ready=ready))
    print(f"stopped after {listener.taken} events", flush=True)
    return 0
