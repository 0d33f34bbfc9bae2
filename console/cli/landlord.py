"""`frontdesk landlord`: which landlord's standards a database is held to, and changing it.

    frontdesk --db DB landlord                       whose database this is
    frontdesk --db DB landlord set NAME|PATH --confirm

A database records its landlord's profile on first use; after that, no
`--policy` means that profile and a different `--policy` is refused. `set`
changes it deliberately (admins; the command line acts as an admin of this
machine account) and the change is audited ("changed", entity "landlord").
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="landlord_command", metavar="ACTION")
    sub.add_parser("show", help="whose database this is (the default)")
    change = sub.add_parser("set", help="change the database's landlord (audited)")
    change.add_argument(
        "profile", metavar="NAME|PATH", help="a shipped profile (bha, weslo) or a TOML file"
    )
    change.add_argument(
        "--confirm", action="store_true", help="yes: read every record under this profile"
    )


def run(args: argparse.Namespace) -> int:
    from console.desk.context import Desk, cli_actor
    from console.desk.landlord import recorded, set_landlord
    from console.rules.profiles import load_profile
    from console.store.engine import open_store

    action = getattr(args, "landlord_command", None) or "show"
    if action == "set":
        profile = load_profile(args.profile)  # a bad name stops before the database opens
    store = open_store(args.db)
    try:
        if action == "show":
            landlord = recorded(store)
            if landlord is None:
                print(
                    "this database records no landlord yet: the first desk or command to use it "
                    "records its --policy (default bha)"
                )
            else:
                name = load_profile(landlord.policy).name
                print(f"{landlord.key}: {name} (profile {landlord.policy})")
            return 0
        desk = Desk(store, profile, actor=cli_actor())
        change = set_landlord(desk, args.profile, confirm=args.confirm)
    finally:
        store.close()
    was = change.before.key if change.before else "none recorded"
    print(f"this database's landlord is now {change.after.key}: {change.name} (was {was})")
    return 0
