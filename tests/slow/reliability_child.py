"""A desk in another process, for tests/slow/test_reliability.py: it writes through the Store API.

python tests/reliability_child.py log DB
    log one call per commit, forever, printing each saved contact id once committed
python tests/reliability_child.py mix DB SECONDS STAFF_ID FIRST_TASK LAST_TASK SEED
    print "ready", wait for a line on stdin, then for SECONDS log calls and claim tasks
    at random; print one JSON line: {"contacts": [...], "claims": [...], "errors": [...]}
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from console.rules.clock import LONDON
from console.rules.errors import FrontDeskError
from console.store.engine import Store, open_store
from console.store.models import Contact


def log_call(store: Store, staff_id: int | None = None) -> int:
    now = datetime.now(UTC)
    with store.write() as session:
        contact = Contact(
            channel="call",
            staff_id=staff_id,
            received_at=now,
            day=now.astimezone(LONDON).date(),
            answered_at=now,
            answer_seconds=0.0,
            outcome="resolved",
        )
        session.add(contact)
        session.flush()
        assert contact.id is not None
        saved = contact.id
    return saved  # only now is it committed


def claim(store: Store, task_id: int, staff_id: int) -> bool:
    with store.write() as session:
        done = session.execute(
            text("UPDATE task SET assignee_id = :me WHERE id = :id AND assignee_id IS NULL"),
            {"me": staff_id, "id": task_id},
        )
        claimed = done.rowcount == 1  # type: ignore[attr-defined]
    return claimed


def run_log(db: str) -> None:
    store = open_store(db)
    while True:
        saved = log_call(store)
        sys.stdout.write(f"{saved}\n")
        sys.stdout.flush()


def run_mix(db: str, seconds: float, staff_id: int, first: int, last: int, seed: int) -> None:
    rng = random.Random(seed)
    store = open_store(db)
    print("ready", flush=True)
    sys.stdin.readline()
    contacts: list[int] = []
    claims: list[int] = []
    errors: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if rng.random() < 0.5:
                contacts.append(log_call(store, staff_id))
            else:
                task_id = rng.randint(first, last)
                if claim(store, task_id, staff_id):
                    claims.append(task_id)
        except FrontDeskError as exc:
            errors.append(str(exc))
        except Exception as exc:  # anything else is a failure the test must see, not a crash
            errors.append(f"{type(exc).__name__}: {exc}")
    print(json.dumps({"contacts": contacts, "claims": claims, "errors": errors}), flush=True)


if __name__ == "__main__":
    mode, db = sys.argv[1], sys.argv[2]
    if mode == "log":
        run_log(db)
    else:
        run_mix(db, float(sys.argv[3]), *(int(a) for a in sys.argv[4:8]))
