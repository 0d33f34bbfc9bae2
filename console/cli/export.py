"""`frontdesk export customer REF [--out DIR]`: a subject access export.

Writes everything held on one customer (the record, contacts, tasks and audit
events) as JSON and CSV into a new folder inside DIR (default: the current
folder) and prints its path. The export is audited; the command line acts as
an admin of this machine account (events with no staff id, detail "cli <user>").
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="export_kind", metavar="WHAT")
    customer = sub.add_parser("customer", help="everything held on one customer (subject access)")
    customer.add_argument("reference", metavar="REF", help="the customer's reference, e.g. C000123")
    customer.add_argument(
        "--out", default=".", metavar="DIR", help="folder to write the export into (default: here)"
    )


def run(args: argparse.Namespace) -> int:
    from console.desk.context import cli_actor
    from console.desk.export import export_customer
    from console.desk.open import open_desk
    from console.rules.errors import InputError

    if getattr(args, "export_kind", None) != "customer":
        raise InputError("say what to export: frontdesk export customer REF [--out DIR]")
    desk = open_desk(args.db, args.policy, actor=cli_actor())
    try:
        result = export_customer(desk, args.reference, args.out)
    finally:
        desk.store.close()
    print(
        f"exported {result.customer_reference}: {result.contacts} contacts, {result.tasks} tasks, "
        f"{result.events} audit events"
    )
    print(result.folder)
    return 0
