"""`frontdesk import customers`: real export quirks, upsert by reference, audit, dry run, resume."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from console.cli.main import main
from console.desk import customer_import, customers
from console.desk.context import Desk, cli_actor
from console.desk.customer_import import Mapping, import_customers, load_mapping
from console.rules.clock import FrozenClock
from console.rules.errors import InputError
from console.rules.profiles import Profile
from console.store.engine import Store
from console.store.models import Customer, Event

pytest_plugins = ["tests.pg"]  # pg_url, pg_database, any_store (one PostgreSQL server per run)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def admin_desk(store: Store, bha: Profile, clock: FrozenClock) -> Desk:
    return Desk(store, bha, clock, cli_actor())


def held(store: Store) -> dict[str, Customer]:
    with store.read() as session:
        return {c.reference: c for c in session.exec(select(Customer))}


def events(store: Store) -> list[Event]:
    with store.read() as session:
        return list(session.exec(select(Event).where(Event.entity == "customer")))


def test_housing_export_with_bom_crlf_and_quoted_newlines(admin_desk: Desk, store: Store) -> None:
    raw = (FIXTURES / "housing_export.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    result = import_customers(admin_desk, raw, source="housing_export.csv")
    assert (result.format, result.encoding, result.delimiter) == ("csv", "utf-8", ",")
    assert result.columns["reference"] == "Tenancy Ref"  # BOM stripped from the first header
    assert sorted(c.reference for c in result.added) == [
        "T000101", "T000102", "T000103", "T000109",
    ]  # fmt: skip
    bad = {b.line: b.reason for b in result.bad}
    # line numbers are where the row starts: row 3 spans two lines, so later rows shift by one
    assert "February 1970 has 28 days" in bad[6]
    assert "'01573 ABC 123' is not a telephone number" in bad[7]
    assert "'KELSO' is not a UK postcode" in bad[8]
    assert "'ann.example.org' is not an email address" in bad[9]
    assert "no reference" in bad[10]
    assert "T000108 is also on line 12" in bad[11] and "also on line 11" in bad[12]
    assert result.exit_status == 1

    got = held(store)
    morag = got["T000101"]
    assert morag.name == "Morag Brown" and morag.title == "Mrs"
    assert morag.address == "Flat 2/1, 4 Kirk Lane, Duns, TD11 3AB"  # the embedded comma kept
    assert morag.postcode == "TD11 3AB"
    assert (morag.phone, morag.phone_alt) == ("01361 882000", "07700 900123")
    assert morag.date_of_birth is not None and morag.date_of_birth.isoformat() == "1960-01-31"
    assert (morag.tenure, morag.preferred_contact) == ("tenant", "phone")
    assert morag.bsl_signer and morag.large_print and not morag.audio
    assert got["T000102"].address == "9 Kirk Wynd Harbour side, Eyemouth, TD14 5AA"
    assert got["T000103"].name == "Łucja Nowak"
    assert got["T000103"].interpreter_language == "Polish"
    assert got["T000109"].name == 'Sandy "Sandy" Bell'
    created = [e for e in events(store) if e.action == "created"]
    assert len(created) == 4 and all(
        "import from housing_export.csv line" in e.detail for e in created
    )
    assert all(e.staff_id is None and e.detail.startswith("cli ") for e in created)


def test_the_finder_and_caller_id_find_imported_numbers(
    admin_desk: Desk, desk: Desk, store: Store
) -> None:
    import_customers(admin_desk, (FIXTURES / "housing_export.csv").read_bytes(), source="x")
    for typed in ("07700 900123", "+447700900123", "07700900123", "td11 3ab", "t000101"):
        assert [c.reference for c in customers.search(desk, typed)] == ["T000101"], typed
    from console.desk.importer import _digits, _phone_book

    with store.read() as session:
        book = _phone_book(session)
    morag = held(store)["T000101"].id
    assert book[_digits("+44 1361 882000")] == morag  # caller ID in another form
    assert book[_digits("00447700900123")] == morag


def test_excel_semicolon_export_in_windows_1252(admin_desk: Desk, store: Store) -> None:
    raw = (FIXTURES / "excel_semicolon_cp1252.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    result = import_customers(admin_desk, raw, source="excel.csv")
    assert (result.encoding, result.delimiter) == ("cp1252", ";")
    assert not result.bad
    got = held(store)
    assert got["A2001"].name == "Seán Ó Briain"
    assert got["A2001"].address == "14 Rue Café; Flat 1, G1 1AA"
    assert got["A2001"].date_of_birth is not None
    assert got["A2001"].date_of_birth.isoformat() == "1990-03-02"  # DD/MM/YYYY
    assert got["A2002"].name == "Zoë Müller" and got["A2002"].tenure == "applicant (£ arrears)"
    assert got["A2002"].phone == "0141 496 0001"


def test_a_row_that_is_not_utf8_is_refused_and_the_others_kept(
    admin_desk: Desk, store: Store
) -> None:
    result = import_customers(admin_desk, (FIXTURES / "invalid_utf8.csv").read_bytes())
    assert result.encoding == "utf-8"
    assert [(b.line, "not UTF-8" in b.reason) for b in result.bad] == [(3, True)]
    assert sorted(held(store)) == ["U1", "U3"]
    assert held(store)["U1"].name == "Siân Jones"


def test_a_ten_megabyte_line_is_refused_and_the_rest_kept(admin_desk: Desk, store: Store) -> None:
    huge = "H2,Huge Row," + "x" * (10 * 1024 * 1024) + "\n"
    raw = "reference,name,address\nH1,Ann Hall,1 Main St\n" + huge + "H3,Bob Kerr,2 Main St\n"
    result = import_customers(admin_desk, raw.encode())
    assert [b.line for b in result.bad] == [3]
    assert "characters long" in result.bad[0].reason
    assert sorted(held(store)) == ["H1", "H3"]


def test_json_export(admin_desk: Desk, store: Store) -> None:
    result = import_customers(admin_desk, (FIXTURES / "housing_export.json").read_bytes())
    assert result.format == "json"
    assert [c.reference for c in result.added] == ["J1"]
    assert [(b.line, "not a telephone number" in b.reason) for b in result.bad] == [(2, True)]
    isla = held(store)["J1"]
    assert (isla.name, isla.postcode, isla.large_print) == ("Isla Reid", "EH6 6QW", True)


def test_upsert_keeps_desk_changes_that_the_export_leaves_empty(
    admin_desk: Desk, desk: Desk, store: Store
) -> None:
    first = "reference,name,phone,email\nC1,Ann Hall,0131 496 0000,\nC2,Bob Kerr,,\n"
    import_customers(admin_desk, first.encode(), source="monday.csv")
    ann = held(store)["C1"]
    assert ann.id is not None
    customers.update_details(desk, ann.id, email="ann@example.org", phone_alt="07700 900555")
    second = "reference,name,phone,email\nC1,Ann Hall,0131 496 9999,\nC3,Cat Lyle,,\n"
    result = import_customers(admin_desk, second.encode(), source="tuesday.csv")
    assert [c.reference for c in result.added] == ["C3"]
    assert [(c.reference, c.fields) for c in result.changed] == [("C1", ("phone",))]
    assert result.missing == ["C2"]  # not in the export: left alone, and listed
    ann = held(store)["C1"]
    assert ann.email == "ann@example.org"  # the desk's change: the export's cell was empty
    assert ann.phone_alt == "07700 900555"
    assert ann.phone == "0131 496 9999"  # the export's new number replaces the old one
    assert "C2" in held(store)
    changed = [e for e in events(store) if e.action == "changed" and "tuesday.csv" in e.detail]
    assert len(changed) == 1 and changed[0].customer_id == ann.id
    assert changed[0].detail.endswith("import from tuesday.csv line 2: phone")
    again = import_customers(admin_desk, second.encode(), source="tuesday.csv")
    assert (len(again.added), len(again.changed), again.unchanged) == (0, 0, 2)


def test_dry_run_writes_nothing(admin_desk: Desk, store: Store) -> None:
    before = store.revision()
    raw = (FIXTURES / "housing_export.csv").read_bytes()
    result = import_customers(admin_desk, raw, dry_run=True)
    assert len(result.added) == 4 and len(result.bad) == 7
    assert held(store) == {} and events(store) == [] and store.revision() == before


def test_an_interrupted_import_run_again_finishes_without_duplicates(
    admin_desk: Desk, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(customer_import, "BATCH", 10)
    raw = ("reference,name\n" + "".join(f"R{i:03d},Person {i}\n" for i in range(35))).encode()
    seen: list[int] = []

    def stop_after_two_batches(done: int, total: int) -> None:
        seen.append(done)
        if len(seen) == 2:
            raise KeyboardInterrupt  # the administrator pressed ctrl+c

    with pytest.raises(KeyboardInterrupt):
        import_customers(admin_desk, raw, progress=stop_after_two_batches)
    assert len(held(store)) == 20  # two whole batches committed, nothing of the third
    result = import_customers(admin_desk, raw)
    assert (len(result.added), result.unchanged) == (15, 20)
    assert len(held(store)) == 35
    assert len([e for e in events(store) if e.action == "created"]) == 35


def test_example_mapping_documents_every_field_and_reads_its_file(
    admin_desk: Desk, store: Store, tmp_path: Path
) -> None:
    example = ROOT / "docs" / "import-mapping-example.toml"
    mapping = load_mapping(example)
    text = example.read_text()
    for name in customer_import.FIELDS:
        assert f"\n{name} = " in text or f"\n# {name} = " in text, name
    headers = list(mapping.columns.values())
    values = {
        "reference": "TEN/0042", "first_name": "Ann", "surname": "Hall", "title": "Ms",
        "postcode": "EH6 6AA", "phone": "0131 496 0000", "date_of_birth": "01.02.1980",
        "tenure": "Secure tenant",
    }  # fmt: skip
    row = [values.get(field, "") for field in mapping.columns]
    raw = (mapping.delimiter or ",").join(headers) + "\n" + (mapping.delimiter or ",").join(row)
    result = import_customers(
        admin_desk,
        raw.encode(mapping.encoding if mapping.encoding != "auto" else "utf-8"),
        mapping=mapping,
    )
    assert not result.bad, result.bad
    ann = held(store)["TEN/0042"]
    assert ann.date_of_birth is not None and ann.date_of_birth.isoformat() == "1980-02-01"


def test_a_mapping_naming_a_missing_column_is_refused(admin_desk: Desk, tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text('[columns]\nreference = "Tenancy"\nname = "Who"\n')
    with pytest.raises(InputError, match="does not have: Tenancy"):
        import_customers(admin_desk, b"Ref,Who\n1,Ann\n", mapping=load_mapping(mapping))
    mapping.write_text('[columns]\nreferance = "Ref"\n')
    with pytest.raises(InputError, match="unknown field referance"):
        load_mapping(mapping)
    with pytest.raises(InputError, match="no reference column"):
        import_customers(admin_desk, b"Who,Phone\nAnn,0131 496 0000\n", mapping=Mapping({}))


def test_only_an_admin_imports(desk: Desk) -> None:
    from console.rules.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_customers(desk, b"reference,name\nC1,Ann\n")


def test_cli_import_customers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "f.db")
    export = str(FIXTURES / "housing_export.csv")
    assert main(["--db", db, "import", "customers", export, "--dry-run"]) == 1
    out = capsys.readouterr()
    assert "would be added 4" in out.out and "nothing written" in out.out
    assert "line 6 (T000104): the date of birth" in out.err
    assert main(["--db", db, "import", "customers", export]) == 1
    assert "added 4, changed 0" in capsys.readouterr().out
    other = tmp_path / "other.csv"
    other.write_text("reference,name\nT000101,Morag Brown\n")
    assert main(["--db", db, "import", "customers", str(other), "--report-missing"]) == 0
    out = capsys.readouterr().out
    assert "3 customers held here are not in the export" in out and "  T000109" in out
    assert main(["--db", db, "import", "customers", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["--db", db, "import", "customers", export, "--format", "asterisk"]) == 2


@pytest.mark.parametrize("few", [3, 500])  # a common word walks names; a rare one uses the index
def test_the_finder_agrees_with_reading_every_customer(
    admin_desk: Desk, desk: Desk, store: Store, few: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(customers, "FEW", few)
    monkeypatch.setattr(customers, "WALK", 10 if few == 3 else 3_000)  # walk, then read all
    names = ("Mary Reid", "mary reid", "Marek Nowak", "Ann Marr", "Rab Smith", "Zoë Müller")
    rows = ["reference,name,address,postcode,phone"]
    for i in range(120):
        rows.append(
            f'R{i:04d},{names[i % len(names)]},"{i} Market St, Leith",EH6 {i % 9}AA,'
            f"0131 496 {i:04d}"
        )
    import_customers(admin_desk, ("\n".join(rows) + "\n").encode())
    first = held(store)["R0001"]
    assert first.id is not None
    customers.update_details(desk, first.id, name="Morag Quinn")  # the index follows a change
    from console.desk.purge import _anonymise_customer

    with store.write() as session:  # and an anonymised customer drops out of it
        gone = session.exec(select(Customer).where(Customer.reference == "R0002")).one()
        _anonymise_customer(gone)
        session.add(gone)
    everyone = list(held(store).values())
    queries = ("mar", "mary reid", "MARY", "ma", "zo", "m", "qu", "quinn", "r0002",
               "0131 496 0042", "market eh6 3aa", "müller", "nobody", "leith")  # fmt: skip
    for query in queries:
        words = query.lower().split()
        phone = customers.full_number(query)
        if phone is not None:
            words = [phone]
        expected = sorted(
            (c for c in everyone if not c.anonymised and all(w in c.search_text for w in words)),
            key=lambda c: ("".join(ch.lower() if ch.isascii() else ch for ch in c.name), c.id),
        )[:20]
        got = customers.search(desk, query)
        assert [c.reference for c in got] == [c.reference for c in expected], query


def test_every_problem_of_a_row_is_named_at_once(admin_desk: Desk) -> None:
    raw = (FIXTURES / "housing_export.csv").read_bytes()
    raw += (
        b"T000110,Mr,All,Wrong,1 Main St,,Kelso,NOPE,0131 CALL,,no-at-sign,30/02/1970,"
        b"Tenant,pigeon,\r\n"
    )
    result = import_customers(admin_desk, raw, dry_run=True)
    last = result.bad[-1]
    assert last.line == 14 and last.reference == "T000110"
    for said in ("'NOPE' is not a UK postcode", "'0131 CALL' is not a telephone number",
                 "'no-at-sign' is not an email address", "February 1970 has 28 days",
                 "preferred contact 'pigeon'"):  # fmt: skip
        assert said in last.reason, said


def test_import_and_find_on_sqlite_and_postgresql(
    any_store: Store, bha: Profile, clock: FrozenClock
) -> None:
    from tests.conftest import add_staff

    admin = Desk(any_store, bha, clock, cli_actor())
    raw = (FIXTURES / "housing_export.csv").read_bytes()
    first = import_customers(admin, raw, source="export.csv")
    again = import_customers(admin, raw, source="export.csv")
    assert (len(first.added), len(again.added), again.unchanged) == (4, 0, 4)
    handler = Desk(any_store, bha, clock, add_staff(any_store, "H R", "hr", "handler"))
    assert [c.reference for c in customers.search(handler, "+44 7700 900123")] == ["T000101"]
    assert [c.reference for c in customers.search(handler, "nowak")] == ["T000103"]
    with any_store.read() as session:
        created = session.exec(select(Event).where(Event.action == "created")).all()
    assert sorted(e.detail.rsplit(" ", 1)[-1] for e in created) == ["13", "2", "3", "5"]


def test_a_reference_in_other_letters_case_is_the_same_customer(
    admin_desk: Desk, store: Store
) -> None:
    import_customers(admin_desk, b"reference,name\nten/7a,Ann Hall\n")
    result = import_customers(admin_desk, b"reference,name,phone\nTEN/7A,Ann Hall,0131 496 0000\n")
    assert [(c.reference, c.fields) for c in result.changed] == [("TEN/7A", ("phone",))]
    assert list(held(store)) == ["ten/7a"]
