"""`frontdesk phone listen` as a real process, against real HTTP clients (urllib and curl).

Each scenario is the sequence a Zammad generic CTI bridge posts for it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from console.store.engine import Store, open_store
from console.store.models import Contact, Event, PhoneCall, Staff, Task

TOKEN = "t0ken-for-tests-5a7d"
CLI = [sys.executable, "-m", "console"]


@dataclass
class Served:
    base: str
    db: str
    process: subprocess.Popen[str]
    log: Path

    def url(self, token: str = TOKEN) -> str:
        return f"{self.base}/api/v1/cti/{token}"


def start_listener(db: str, token_file: Path, log: Path) -> subprocess.Popen[str]:
    with log.open("w") as out:
        return subprocess.Popen(
            [*CLI, "phone", "listen", "--db", db, "--token-file", str(token_file), "--port", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )


def wait_ready(process: subprocess.Popen[str], log: Path) -> int:
    """The port, once the listener says it is listening (it starts in a second or two)."""
    for _ in range(600):
        text = log.read_text()
        if "listening on" in text:
            return int(text.split("http://127.0.0.1:", 1)[1].split("/", 1)[0])
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"the listener did not start: {log.read_text()}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("listener")
    db = str(folder / "f.db")
    store = open_store(db)
    with store.write() as session:
        session.add(Staff(name="Hannah Reid", login="hreid", role="handler", extension="201"))
        session.add(Staff(name="Iain Bell", login="ibell", role="handler", agent="iain"))
    store.close()
    token_file = folder / "token"
    token_file.write_text(TOKEN + "\n")
    log = folder / "listener.log"
    process = start_listener(db, token_file, log)
    port = wait_ready(process, log)
    yield Served(f"http://127.0.0.1:{port}", db, process, log)
    process.terminate()
    process.wait(timeout=10)


def post(
    url: str,
    fields: dict[str, Any] | None = None,
    *,
    body: bytes | None = None,
    json_body: bool = False,
    content_type: str | None = None,
) -> tuple[int, dict[str, Any]]:
    """POST with the standard library's client: (status, JSON reply)."""
    if body is None:
        if json_body:
            body = json.dumps(fields).encode()
            content_type = content_type or "application/json"
        else:
            body = urllib.parse.urlencode(fields or {}, doseq=True).encode()
    headers = {"Content-Type": content_type or "application/x-www-form-urlencoded"}
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw or b"{}")
        except ValueError:
            return exc.code, {"text": raw.decode(errors="replace")}


def curl(url: str, *args: str) -> tuple[int, dict[str, Any]]:
    """POST with curl: (status, JSON reply)."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed (.ci/run installs it)")
    out = subprocess.run(
        ["curl", "-s", "-X", "POST", "-w", "\n%{http_code}", *args, url],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    body, _, status = out.rpartition("\n")
    return int(status), json.loads(body or "{}")


def read(served: Served) -> Store:
    return open_store(served.db)


def call(served: Served, call_id: str) -> PhoneCall:
    store = read(served)
    try:
        with store.read() as session:
            return session.exec(select(PhoneCall).where(PhoneCall.call_id == call_id)).one()
    finally:
        store.close()


def test_answered_call_with_curl(served: Served) -> None:
    new = [
        "-d",
        "event=newCall",
        "-d",
        "from=+44 131 496 0001",
        "-d",
        "to=0800 123 456",
        "-d",
        "direction=in",
        "-d",
        "callId=ans-1",
        "-d",
        "user[]=hreid",
        "-d",
        "queue=main",
    ]
    assert curl(served.url(), *new)[0] == 200
    time.sleep(1.0)
    status, reply = curl(
        served.url(),
        "-H",
        "Content-Type: application/json",
        "--data",
        json.dumps(
            {
                "event": "answer",
                "callId": "ans-1",
                "direction": "in",
                "from": "+44 131 496 0001",
                "to": "0800 123 456",
                "answeringNumber": "201",
                "user": ["hreid"],
            }
        ),
    )
    assert status == 200 and reply["state"] == "answered" and reply["contact"]
    status, reply = curl(
        served.url(),
        "-d",
        "event=hangup",
        "-d",
        "callId=ans-1",
        "-d",
        "direction=in",
        "-d",
        "cause=normalClearing",
        "-d",
        "from=+44 131 496 0001",
    )
    assert (status, reply["state"]) == (200, "ended")
    store = read(served)
    with store.read() as session:
        contact = session.get(Contact, reply["contact"])
        hannah = session.exec(select(Staff).where(Staff.login == "hreid")).one()
    store.close()
    assert contact is not None and contact.answer_source == "phone"
    assert contact.answer_seconds is not None and 1.0 <= contact.answer_seconds < 30
    assert contact.staff_id == hannah.id and contact.ended_at is not None


@pytest.mark.parametrize(
    ("cause", "state", "promise"),
    [
        ("cancel", "abandoned", True),  # the caller gave up in the queue
        ("busy", "abandoned", True),
        ("noAnswer", "abandoned", True),
        ("forwarded", "forwarded", False),
    ],
)
def test_unanswered_calls(served: Served, cause: str, state: str, promise: bool) -> None:
    number = {
        "cancel": "01314960002",
        "busy": "01314960003",
        "noAnswer": "01314960004",
        "forwarded": "01314960005",
    }[cause]
    call_id = f"un-{cause}"
    status, _ = post(
        served.url(),
        {
            "event": "newCall",
            "callId": call_id,
            "direction": "in",
            "from": number,
            "to": "0800123456",
            "queue": "main",
        },
    )
    assert status == 200
    status, reply = post(
        served.url(),
        {"event": "hangup", "callId": call_id, "direction": "in", "from": number, "cause": cause},
    )
    assert status == 200 and reply["state"] == state
    assert bool(reply["missedTask"]) is promise
    if promise:
        store = read(served)
        with store.read() as session:
            task = session.get(Task, reply["missedTask"])
        store.close()
        assert task is not None and task.status == "open" and task.slug == "callback-routine"


def test_outbound_call_back_closes_the_missed_call(served: Served) -> None:
    number = "07700 900 456"
    post(served.url(), {"event": "newCall", "callId": "ob-miss", "from": number})
    _, missed = post(served.url(), {"event": "hangup", "callId": "ob-miss", "cause": "cancel"})
    out = {"direction": "out", "from": "201", "to": number, "user[]": ["iain"]}
    assert post(served.url(), {"event": "newCall", "callId": "ob-1", **out})[0] == 200
    status, reply = post(served.url(), {"event": "answer", "callId": "ob-1", **out}, json_body=True)
    assert status == 200 and reply["state"] == "answered"
    assert (
        post(served.url(), {"event": "hangup", "callId": "ob-1", "cause": "normalClearing", **out})[
            0
        ]
        == 200
    )
    store = read(served)
    with store.read() as session:
        task = session.get(Task, missed["missedTask"])
        audit = (
            session.exec(
                select(Event.detail).where(
                    Event.entity == "task", Event.entity_id == task.id, Event.action == "completed"
                )
            ).all()
            if task
            else []
        )
    store.close()
    assert task is not None and task.status == "done"
    assert audit == ["missed call closed: called back: outbound call ob-1 connected"]


def test_twice_and_out_of_order(served: Served) -> None:
    fields = {"event": "newCall", "callId": "dup-1", "from": "01314960009"}
    first = post(served.url(), fields)
    again = post(served.url(), fields)
    assert first[0] == again[0] == 200 and again[1]["repeat"] is True
    assert post(served.url(), {"event": "hangup", "callId": "dup-1", "cause": "cancel"})[0] == 200
    before = call(served, "dup-1")
    # the answer arrives after the hangup: refused, the missed call stays as recorded
    status, reply = post(served.url(), {"event": "answer", "callId": "dup-1"})
    assert status == 409 and "already ended" in reply["error"]
    status, reply = post(served.url(), {"event": "hangup", "callId": "dup-1", "cause": "cancel"})
    assert status == 200 and reply["repeat"] is True
    status, reply = post(served.url(), {"event": "answer", "callId": "never-offered"})
    assert status == 409 and "newCall first" in reply["error"]
    after = call(served, "dup-1")
    assert before.model_dump() == after.model_dump()


def count_rows(served: Served) -> tuple[int, int, int]:
    store = read(served)
    with store.read() as session:
        out = (
            len(session.exec(select(PhoneCall.id)).all()),
            len(session.exec(select(Contact.id)).all()),
            len(session.exec(select(Event.id)).all()),
        )
    store.close()
    return out


def test_wrong_token_is_401_and_writes_and_logs_nothing(served: Served) -> None:
    before = count_rows(served)
    logged = served.log.read_text()
    fields = {"event": "newCall", "callId": "tok-1", "from": "01314960010"}
    assert post(served.url("not-the-token"), fields)[0] == 401
    assert curl(served.url(TOKEN + "x"), "-d", "event=newCall", "-d", "callId=tok-2")[0] == 401
    assert post(served.url(TOKEN[:-1]), fields)[0] == 401
    assert post(f"{served.base}/api/v1/cti/", fields)[0] == 404
    assert count_rows(served) == before
    assert served.log.read_text() == logged


@pytest.mark.parametrize(
    ("kwargs", "status", "says"),
    [
        ({"fields": {}}, 400, "event is missing"),
        ({"fields": {"event": "", "callId": "", "from": "", "to": ""}}, 400, "event is missing"),
        (
            {"fields": {"event": "newCall", "callId": "bad-1", "from": "0131 CALL NOW"}},
            400,
            "not a phone number",
        ),
        ({"body": b"event=newCall&callId=\xff\xfe", "content_type": None}, 400, "not UTF-8"),
        (
            {"body": b'{"event": "newCall", "callId": "\xc3"}', "content_type": "application/json"},
            400,
            "not UTF-8",
        ),
        ({"body": b"{not json", "content_type": "application/json"}, 400, "not valid JSON"),
        ({"body": b"[1, 2]", "content_type": "application/json"}, 400, "object of fields"),
        ({"body": b"a" * (1024 * 1024), "content_type": None}, 413, "at most"),
        ({"body": b"x", "content_type": "text/plain"}, 415, "application/json"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    served: Served, kwargs: dict[str, Any], status: int, says: str
) -> None:
    before = count_rows(served)
    got, reply = post(
        served.url(),
        kwargs.get("fields"),
        body=kwargs.get("body"),
        content_type=kwargs.get("content_type"),
    )
    assert got == status and says in reply["error"]
    assert count_rows(served) == before
    # and it keeps serving
    assert (
        post(
            served.url(),
            {"event": "newCall", "callId": f"alive-{status}-{says[:5]}", "from": "01314960011"},
        )[0]
        == 200
    )


def test_stopping_says_how_many_events(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    log = tmp_path / "listener.log"
    process = start_listener(str(tmp_path / "f.db"), token_file, log)
    port = wait_ready(process, log)
    post(
        f"http://127.0.0.1:{port}/api/v1/cti/{TOKEN}",
        {"event": "newCall", "callId": "s1", "from": "01314960012"},
    )
    process.terminate()
    assert process.wait(timeout=10) == 0
    assert "stopped after 1 events" in log.read_text()


def test_a_bad_token_file_stops_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty").write_text("\n")
    for path, says in ((tmp_path / "missing", "does not exist"), (tmp_path / "empty", "empty")):
        done = subprocess.run(
            [*CLI, "phone", "listen", "--db", str(tmp_path / "f.db"), "--token-file", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr


def test_a_burst_from_many_clients_is_all_recorded(served: Served) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def one_call(n: int) -> list[int]:
        number = f"0141{n:07d}"
        got = []
        for fields in (
            {"event": "newCall", "from": number, "user[]": ["201"]},
            {"event": "answer", "from": number, "answeringNumber": "201"},
            {"event": "hangup", "from": number, "cause": "normalClearing"},
        ):
            got.append(post(served.url(), {**fields, "callId": f"burst-{n}"})[0])
        return got

    before = count_rows(served)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [s for call in pool.map(one_call, range(60)) for s in call]
    assert statuses == [200] * 180
    after = count_rows(served)
    assert (after[0] - before[0], after[1] - before[1]) == (60, 60)
    store = read(served)
    with store.read() as session:
        states = session.exec(
            select(PhoneCall.state).where(PhoneCall.call_id.startswith("burst-"))  # type: ignore[attr-defined]
        ).all()
    store.close()
    assert set(states) == {"ended"}


def test_a_port_out_of_range_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "token").write_text(TOKEN)
    done = subprocess.run(
        [*CLI, "phone", "listen", "--db", str(tmp_path / "f.db"), "--token-file",
         str(tmp_path / "token"), "--port", "99999"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "--port 99999 is not a port" in done.stderr
    assert "Traceback" not in done.stderr
