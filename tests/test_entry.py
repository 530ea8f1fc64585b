"""« Saisir des valeurs »: a director types values, targets and narratives in the browser; the grid goes through the
importer's checks and diff like a file and is committed as one batch « saisie en ligne », within the campus scope."""
from __future__ import annotations

from conftest import app_test, frame, snapshot


def entry_page(account="directeur-agt"):
    at = app_test(account).run()
    at.switch_page("cmq/app/pages/entry.py").run()
    assert not at.exception, at.exception
    return at


def edit(at, grid: str, row: int, column: str, value):
    """Type in a grid cell as the browser's data editor reports it."""
    key = next(k for k in at.session_state.keys() if k.endswith(grid))
    state = at.session_state[key]
    edited = {r: dict(cells) for r, cells in (state.get("edited_rows", {}) if state else {}).items()}
    edited.setdefault(row, {})[column] = value
    at.session_state[key] = {"edited_rows": edited, "added_rows": [], "deleted_rows": []}  # a new dict, as the browser sends
    return at.run()


def grid_rows(at, grid: str):
    return next(e for e in at.dataframe if e.key and e.key.endswith(grid)).value


def test_a_director_types_a_value_sees_the_check_and_commits_one_batch(data_dir, store_copy):
    at = entry_page()
    assert at.selectbox(key="ent_campus").options == ["AGT – Alimentation, Goût, Tourisme"], "their campus only"
    assert at.selectbox(key="ent_year").value == 2018
    numbers = grid_rows(at, "_numbers")
    line = {i: n for n, i in enumerate(numbers["indicator_id"])}
    assert numbers.loc[line["AGT-I01"], "value"] == 88, "what is known is already in the grid"
    at = edit(at, "_numbers", line["AGT-I04"], "value", 3)
    at = edit(at, "_numbers", line["AGT-I04"], "target", 6)
    # 3 against 6: half the target, no narrative: refused with the line and what to do, nothing written
    before = snapshot(store_copy.root)
    messages = frame(at, "Message")["Message"].tolist()
    assert any("dites pourquoi" in m and "de 50\u00a0% de sa cible" in m for m in messages), messages
    assert not [b for b in at.button if b.key == "imp_commit"] and snapshot(store_copy.root) == before
    at = edit(at, "_numbers", line["AGT-I04"], "comment", "deux comités reportés en 2019")
    yes_no = grid_rows(at, "_yes_no")
    at = edit(at, "_yes_no", list(yes_no["indicator_id"]).index("AGT-I02"), "value", "oui")
    assert {m.label: m.value for m in at.metric}["Lignes à ajouter"] == "2"
    at.button(key="imp_commit").click().run()
    assert not at.exception and "Saisie validée" in at.success[0].value
    got = store_copy.read("select indicator_id, value, target, comment from indicator_values where year = 2018 "
                          "and indicator_id in ('AGT-I02', 'AGT-I04')").set_index("indicator_id")
    assert got.loc["AGT-I02", "value"] == 1 and tuple(got.loc["AGT-I04", ["value", "target"]]) == (3, 6)
    batch = store_copy.read("select * from batches order by batch_id desc limit 1").iloc[0]
    assert (batch["file_name"], batch["user_name"], batch["inserted"]) == ("saisie en ligne", "directeur-agt", 2)
    # the Campus page's tracking table shows it at once
    campus = app_test("directeur-agt").run()
    campus.switch_page("cmq/app/pages/campus.py").run()
    table = frame(campus, "Niveau")
    row = table[table["Identifiant"] == "AGT-I04"].iloc[0]
    assert (row["Réalisé 2018"], row["Cible 2018"], row["% 2018"], row["État"]) == ("3", "6", "50\u00a0%", "En retard")
    assert row["Récit"] == "2018 : deux comités reportés en 2019"
