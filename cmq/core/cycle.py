"""The reporting cycle read for people: each campus's place in a campaign (status, share of its indicators reported,
on time or late, days left, the last reason it was sent back), late campuses first."""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from cmq.core import ingest, queries
from cmq.core.store import StoreError
from cmq.core.store.campaigns import STATUSES, STEP_NAMES

COLUMNS = ["campus_id", "status", "status_label", "expected", "reported", "share_reported", "deadline", "submitted_at",
           "timeliness", "days_left", "reason", "last_reminded"]


NO_CAMPUS = "—"  # a campus code no campus has: « validated only » with nothing validated shows no figure
WITH_DRAFTS = "y compris les chiffres en cours de saisie"


def validated_only(campaign: dict, pool: list[str]) -> tuple[list[str], list[str], str]:
    """Reading a campaign's validated figures only, over the campuses of `pool`: the validated ones, the campuses the
    queries read (NO_CAMPUS when none is validated: no figure, never another campus's) and how a page, a document or
    an export says so."""
    ok = [c for c in pool if campaign["campuses"].get(c, {}).get("status") == "valide"]
    return ok, ok or [NO_CAMPUS], f"chiffres validés seulement ({len(ok)} campus sur {len(pool)})"


def _day(text: str | None) -> date | None:
    return None if not text else datetime.fromisoformat(text).date()


def standing(state: dict, deadline: str, today: date) -> tuple[date, date | None, str, int | None]:
    """Where a campus stands against its deadline (its own extension, else `deadline`, the campaign's): the deadline,
    the day it submitted (None while not submitted), « à temps », « en retard » or « en cours », and the days left
    while not submitted. The one rule of lateness: the progress table and the national view read it."""
    due = _day(state.get("deadline") or deadline)
    submitted = _day(state.get("submitted_at")) if state["status"] in ("soumis", "valide") else None
    if submitted:
        return due, submitted, ("à temps" if submitted <= due else "en retard"), None
    left = (due - today).days
    return due, None, ("en retard" if left < 0 else "en cours"), left


def progress(store, year: int, today: date | None = None, sight=None) -> pd.DataFrame:
    """One row per campus of the campaign of `year` that `sight` reads (StoreError when there is none)."""
    today = today or date.today()
    campaign = store.campaign(year, sight)
    grid = queries.run("completeness_grid", store=store, year=int(year), campuses=list(campaign["campuses"]))
    counts = {r.campus_id: (int(r.indicators), int(r.with_value)) for r in grid.itertuples()}
    rows, reminded = [], last_reminders(campaign)
    for campus, state in campaign["campuses"].items():
        deadline, submitted, timeliness, left = standing(state, campaign["deadline"], today)
        expected, reported = counts.get(campus, (0, 0))
        if "expected" in state:  # the indicators the campaign asks of this campus, not its whole plan
            states = queries.run("completeness_indicators", store=store, campus=campus, year=int(year))
            wanted = states[states["indicator_id"].isin(state["expected"])]
            expected, reported = len(state["expected"]), int((wanted["state"] == "renseigne").sum())
        sent = [e for e in campaign["events"] if e["campus"] == campus and e["step"] == "send_back"]
        reason = None
        if sent and state["status"] == "renvoye":
            last = sent[-1]
            reason = (f"{last['indicator']} : " if last.get("indicator") else "") + last["reason"]
        rows.append({"campus_id": campus, "status": state["status"], "status_label": STATUSES[state["status"]],
                     "expected": expected, "reported": reported,
                     "share_reported": reported / expected if expected else None,
                     "deadline": deadline.isoformat(), "submitted_at": submitted.isoformat() if submitted else None,
                     "timeliness": timeliness, "days_left": left,
                     "reason": reason, "last_reminded": reminded.get(campus)})
    out = pd.DataFrame(rows, columns=COLUMNS)
    # late and still not submitted, then submitted late, then still in time, then submitted in time
    rank = [(0 if t == "en retard" and pd.isna(s) else 1 if t == "en retard" else 2 if t == "en cours" else 3)
            for t, s in zip(out["timeliness"], out["submitted_at"])]
    return out.assign(_rank=rank).sort_values(["_rank", "campus_id"], kind="stable").drop(columns="_rank") \
        .reset_index(drop=True)


def last_reminders(campaign: dict) -> dict[str, str]:
    """When each campus of a campaign was last reminded (its steps, oldest first), by campus."""
    return {e["campus"]: e["at"] for e in campaign["events"] if e["step"] == "remind"}


def submission(store, year: int, campus: str) -> tuple[int, int, pd.DataFrame]:
    """What a campus is about to submit for `year`: how many of the indicators the campaign expects of it have a
    value, how many it expects, and the ones still without a value (identifier, title)."""
    state = store.campaign(year)["campuses"].get(campus, {})
    states = queries.run("completeness_indicators", store=store, campus=campus, year=int(year))
    if "expected" in state:
        states = states[states["indicator_id"].isin(state["expected"])]
    missing = states.loc[states["state"] != "renseigne", ["indicator_id", "name"]].reset_index(drop=True)
    return len(states) - len(missing), len(states), missing


def said_of(reported: int, expected: int) -> str:
    """« 12 indicateurs renseignés sur 59 attendus »."""
    return f"{reported} indicateur(s) renseigné(s) sur {expected} attendu(s)"


def events(store, year: int, sight=None) -> pd.DataFrame:
    """Every step of the campaign of `year` that `sight` reads, oldest first: who, when, what, why."""
    campaign = store.campaign(year, sight)
    return pd.DataFrame([{"at": e["at"], "campus_id": e["campus"] or "", "step": STEP_NAMES.get(e["step"], e["step"]),
                          "by": e["by"], "indicator": e.get("indicator") or "", "reason": e.get("reason") or ""}
                         for e in campaign["events"]], columns=["at", "campus_id", "step", "by", "indicator", "reason"])


def expected_from_file(store, data: bytes, name: str) -> dict[str, list[str]]:
    """The indicators each campus must report in a campaign, from a CSV or Excel file with the columns « Code
    campus » and « Identifiant indicateur » (a campus absent from it owes every indicator of its plan)."""
    grid, errors = ingest.read_file(data, name)
    if grid is None or errors:
        raise StoreError(f"Fichier des indicateurs attendus illisible : {name}.")
    where = {ingest.fold(h): i for i, h in enumerate(grid.headers) if h}
    if "code campus" not in where or "identifiant indicateur" not in where:
        raise StoreError(f"{name} : il faut les colonnes « Code campus » et « Identifiant indicateur ».")
    owner = dict(queries.run("known_indicators", store=store)[["indicator_id", "campus_id"]].values)
    out: dict[str, list[str]] = {}
    for rec, line in zip(grid.rows, grid.lines):
        campus, indicator = (str(rec[where[k]]).strip() if where[k] < len(rec) and rec[where[k]] else ""
                             for k in ("code campus", "identifiant indicateur"))
        if not campus and not indicator:
            continue
        if owner.get(indicator) != campus:
            raise StoreError(f"{name}, ligne {line} : « {indicator} » n'est pas un indicateur du campus {campus}.")
        out.setdefault(campus, []).append(indicator)
    return out
