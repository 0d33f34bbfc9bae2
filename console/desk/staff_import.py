"""Staff in one go from an HR or phone-system list: `frontdesk import staff FILE`.

Columns (common header names recognised): name, login, role, team, extension,
agent (the PBX agent or endpoint name). A known login is updated (name, team,
extension, agent, role; an empty cell leaves a value alone); a new login is added.

Nobody gets a PIN from a file. A new person is added with no PIN and cannot sign
in until an admin sets one with them present (`frontdesk staff reset-pin LOGIN`,
or the Staff desk): the person types their own PIN at the admin's terminal. A
one-time set-up code printed by the import would be a credential sitting in a
terminal's scrollback and in whatever the output was piped to, and would need a
new unauthenticated way to set a PIN; the admin in the room needs neither.

An admin is never demoted by a file (that stays a deliberate `frontdesk staff role`),
so an import cannot lock the landlord out of its own console.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlmodel import select

from console.desk import people
from console.desk.context import Desk
from console.desk.table_file import BadRow, read_table
from console.rules.errors import InputError
from console.rules.roles import ADMINS
from console.store.models import Staff

ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "fullname", "staffname", "employeename", "displayname"),
    "login": ("login", "username", "user", "userid", "loginname", "account"),
    "role": ("role", "jobrole", "accesslevel", "frontdeskrole"),
    "team": ("team", "department", "section", "group"),
    "extension": ("extension", "ext", "extn", "phoneextension", "ddi"),
    "agent": ("agent", "agentname", "pbxagent", "endpoint", "sipuser", "agentid"),
}
ROLE_SYNONYMS = {
    "handler": "handler", "call handler": "handler", "customer services": "handler",
    "advisor": "handler", "adviser": "handler", "reception": "reception",
    "receptionist": "reception", "team lead": "team_lead", "team leader": "team_lead",
    "team_lead": "team_lead", "supervisor": "team_lead", "manager": "team_lead",
    "admin": "admin", "administrator": "admin",
}  # fmt: skip
_PBX_NAME = re.compile(r"^[A-Za-z0-9_.@/+-]{1,64}$")


@dataclass(frozen=True)
class StaffLine:
    line: int
    login: str
    name: str
    role: str
    what: str  # "added", "updated: team, extension", "unchanged"


@dataclass
class StaffImport:
    source: str
    dry_run: bool
    added: list[StaffLine] = field(default_factory=list)
    updated: list[StaffLine] = field(default_factory=list)
    unchanged: int = 0
    bad: list[BadRow] = field(default_factory=list)

    @property
    def need_pin(self) -> list[StaffLine]:
        return self.added

    @property
    def exit_status(self) -> int:
        return 1 if self.bad else 0


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _columns(header: list[str]) -> dict[str, str]:
    by_key = {_key(h): h for h in reversed(header)}
    found = {}
    for name, aliases in ALIASES.items():
        match = next((by_key[a] for a in aliases if a in by_key), None)
        if match is not None:
            found[name] = match
    if "name" not in found:
        raise InputError(
            f"no name column: the staff file needs a header naming name, and optionally login, "
            f"role, team, extension, agent (the file's columns: {', '.join(header[:20])})"
        )
    return found


def _clean(cells: dict[str, str], columns: dict[str, str]) -> dict[str, str]:
    def cell(name: str) -> str:
        return " ".join((cells.get(columns.get(name, ""), "") or "").split())

    name = people.check_name(cell("name"))
    login = people.check_login(cell("login") or people.suggest_login(name))
    out = {"name": name, "login": login}
    if not cell("login"):
        out["_suggested"] = "yes"  # made from the name: never takes over someone else's login
    if cell("role"):
        role = ROLE_SYNONYMS.get(cell("role").lower().replace("_", " "), cell("role"))
        out["role"] = people.check_role(ROLE_SYNONYMS.get(role, role))
    if cell("team"):
        out["team"] = people.check_team(cell("team"))
    for key in ("extension", "agent"):
        value = cell(key)
        if value:
            if not _PBX_NAME.match(value):
                raise InputError(
                    f"the {key} '{value[:40]}' is not a phone-system name: letters, digits "
                    "and . _ - @ / + only, no spaces"
                )
            out[key] = value
    return out


def import_staff(desk: Desk, raw: bytes, *, source: str = "", dry_run: bool = False) -> StaffImport:
    """Add or update every staff member in the file, in one transaction (see module doc)."""
    desk.require(*ADMINS)
    table = read_table(raw, source)
    columns = _columns(table.header)
    result = StaffImport(source, dry_run, bad=list(table.bad))
    where = source or "a file"
    rows: list[tuple[int, dict[str, str]]] = []
    seen: dict[str, int] = {}
    for line, cells in table.rows:
        try:
            row = _clean(cells, columns)
        except InputError as exc:
            result.bad.append(BadRow(line, str(exc)))
            continue
        if row["login"] in seen:
            result.bad.append(
                BadRow(line, f"login {row['login']} is already on line {seen[row['login']]}")
            )
            continue
        seen[row["login"]] = line
        rows.append((line, row))
    try:
        with desk.store.write() as session:
            held = {s.login: s for s in session.exec(select(Staff))}
            for line, row in rows:
                s = held.get(row["login"])
                suggested = row.pop("_suggested", "") == "yes"
                if s is not None and suggested and s.name.lower() != row["name"].lower():
                    result.bad.append(
                        BadRow(
                            line,
                            f"the login {s.login}, made from the name {row['name']}, is "
                            f"{s.name}'s: give {row['name']} a login in a login column",
                        )
                    )
                    continue
                if s is None:
                    if "role" not in row:
                        result.bad.append(
                            BadRow(line, f"{row['name']} is new and has no role: give one")
                        )
                        continue
                    s = Staff(
                        name=row["name"],
                        login=row["login"],
                        role=row["role"],
                        team=row.get("team", ""),
                        extension=row.get("extension", ""),
                        agent=row.get("agent", ""),
                        pin_hash="",
                        created_at=desk.now(),
                    )
                    session.add(s)
                    session.flush()
                    result.added.append(StaffLine(line, s.login, s.name, s.role, "added"))
                    detail = f"import from {where} line {line}: {s.role}, no PIN yet"
                    desk.audit(session, "created", "staff", s.id, detail=detail)
                    continue
                if s.role == "admin" and row.get("role", "admin") != "admin":
                    result.bad.append(
                        BadRow(
                            line,
                            f"{s.login} is an admin here and the file says {row['role']}: "
                            "change an admin's role with frontdesk staff role, not a file",
                        )
                    )
                    continue
                changed = [k for k, v in row.items() if k != "login" and getattr(s, k) != v]
                if not changed:
                    result.unchanged += 1
                    continue
                for key in changed:
                    setattr(s, key, row[key])
                session.add(s)
                result.updated.append(
                    StaffLine(line, s.login, s.name, s.role, "updated: " + ", ".join(changed))
                )
                detail = f"import from {where} line {line}: {', '.join(changed)}"
                desk.audit(session, "changed", "staff", s.id, detail=detail)
            if dry_run:
                raise _DryRunDone  # rolls the transaction back: nothing is written
    except _DryRunDone:
        pass
    return result


class _DryRunDone(Exception):
    """Unwinds a dry run's transaction without committing it."""
