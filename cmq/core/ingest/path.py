"""The whole path: read a file, review it against the store (checks, locks, scope, diff), and commit it as one
batch in the name of an account — or only say what it would do."""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from cmq.core import fmt, permissions, queries, schema
from cmq.core.ingest.checks import validate
from cmq.core.ingest.diff import diff, key_text
from cmq.core.ingest.reading import MAX_BYTES_DEFAULT, error, read_file
from cmq.core.ingest.rows import Context, Report, parse
from cmq.core.schema import Table
from cmq.core.store import StoreError


# ------------------------------------------------------------------ the whole path
def read(table_name: str, data: bytes, file_name: str = "", *, campus: str | None = None, sheet: str | None = None,
         max_bytes: int = MAX_BYTES_DEFAULT) -> Report:
    """Read and type a file: the costly part, which needs no store (and so no lock). Its rows are None when the file
    as a whole cannot be read."""
    t = schema.table(table_name)
    rep = Report(table=t.name, file_name=file_name, sha256=hashlib.sha256(data or b"").hexdigest())
    if len(data or b"") > max_bytes:
        rep.errors = [error(None, None, f"Le fichier dépasse la taille maximale de {max_bytes // (1024 * 1024)} Mo. "
                                       "Découpez-le (par exemple un fichier par année).")]
        return rep
    sheet_data, errs = read_file(data, file_name, sheet)
    if errs:
        rep.errors = errs
        return rep
    parsed = parse(t, sheet_data, campus)
    rep.warnings, rep.errors = parsed.warnings, parsed.errors
    rep.rows, rep.lines, rep.columns = parsed.rows, parsed.lines, parsed.columns
    return rep


def review(store, rep: Report, *, campus: str | None = None, scope: set | None = None,
           context: Context | None = None) -> Report:
    """Validate the rows of a read file against the store and diff them with its current rows (nothing written):
    every error with its line, or what a commit would add and change."""
    if rep.rows is None:
        return rep
    t = schema.table(rep.table)
    ctx = context or Context.from_store(store, {c.ref[0] for c in t.columns if c.ref})  # every rule checks a reference
    if locked := _locked_rows(store, t, rep.rows, rep.lines):  # said first, once per campus × year: nothing else matters
        rep.errors = locked + rep.errors
        return rep
    unreadable = {(e["line"], e["column"]) for e in rep.errors}  # one message per bad cell is enough
    rep.errors += [e for e in validate(t, rep.rows, rep.lines, ctx, campus=campus, scope=scope)
                   if (e["line"], e["column"]) not in unreadable]
    if rep.errors:
        rep.errors.sort(key=lambda e: (e["line"] is not None, e["line"] or 0))
        return rep
    current = store.current(t.name, build=False)
    rep.errors = _foreign_rows(t, rep.rows, rep.lines, current, scope)
    if rep.errors:
        return rep
    kinds, rep.changes, merged = diff(t, rep.rows, current, rep.columns)
    rep.rows = merged.assign(_change=kinds.values)
    rep.inserted = int((kinds == "insert").sum())
    rep.updated = int((kinds == "update").sum())
    rep.unchanged = int((kinds == "same").sum())
    rep.status = "valid" if rep.inserted + rep.updated else "unchanged"
    if rep.status == "valid" and rep.sha256:
        rep.warnings += _reverted_before(store, rep)
    return rep


def _reverted_before(store, rep: Report) -> list[str]:
    """A warning when the very same file was imported before and that import was cancelled."""
    b = queries.run("batch_history", store=store, campus=None, table_name=rep.table)
    b = b[(b["sha256"] == rep.sha256) & b["reverted"]]
    return [f"Ce fichier est identique à celui du lot n° {r.batch_id} (« {r.file_name} », importé le "
            f"{fmt.moment(r.committed_at)} par {r.user_name}), annulé le {fmt.moment(r.reverted_at)} par "
            f"{r.reverted_by or '?'} : le valider rétablit ce qui avait été annulé." for r in b.head(1).itertuples()]


def _locked_rows(store, t: Table, rows: pd.DataFrame, lines: list[int]) -> list[dict]:
    """One error per campus × year of the file whose figures are validated in their campaign, with who validated
    them, when, and the lines concerned (the store's write door refuses them too; here it is said before anything
    else about the file)."""
    locked = store.locked()
    if not locked or not t.campus_column or "year" not in rows.columns:
        return []
    hit: dict[tuple[str, int], list[int]] = {}
    for i, (campus, year) in enumerate(zip(rows[t.campus_column], rows["year"])):
        if campus is not None and isinstance(year, int | float) and year == year and (campus, int(year)) in locked:
            hit.setdefault((campus, int(year)), []).append(lines[i])
    errors = []
    for (campus, year), at in sorted(hit.items()):
        done = [e for e in store.campaign(year)["events"] if e["campus"] == campus and e["step"] == "validate"]
        who = (f" par {done[-1]['by']} le {fmt.local_day(done[-1]['at'])}" if done else "")
        where = f"ligne {at[0]}" if len(at) == 1 else f"{len(at)} lignes, de la ligne {at[0]} à la ligne {at[-1]}"
        errors.append(error(None, t.column("year").header,
                           f"Les chiffres {year} {fmt.of(campus)} ont été validés{who} : ils ne bougent plus ({where}). "
                           "Rien n'a été enregistré. Un administrateur peut les rouvrir, en disant pourquoi."))
    return errors


def _foreign_rows(t: Table, rows: pd.DataFrame, lines: list[int], current: pd.DataFrame, scope: set | None) -> list[dict]:
    """Lines whose key is already a row of a campus outside `scope` (a director's file may not take it over, even
    when the line names the director's own campus)."""
    if scope is None or not t.campus_column or current.empty:
        return []
    owner = pd.Series(current[t.campus_column].values, index=key_text(t, current).values)
    found = key_text(t, rows).map(owner[~owner.index.duplicated(keep="last")])
    errors = []
    for i in np.flatnonzero((found.notna() & ~found.isin(scope)).values):
        key = " · ".join(str(rows[k].iloc[i]) for k in t.key)
        errors.append(error(lines[i], t.column(t.key[0]).header,
                           f"« {key} » appartient déjà au campus {found.iloc[i]} : vous ne pouvez pas le modifier "
                           f"(vos campus : {', '.join(sorted(scope)) or 'aucun'}). Choisissez un autre identifiant."))
    return errors


def check(store, table_name: str, data: bytes, file_name: str = "", *, campus: str | None = None,
          scope: set | None = None, sheet: str | None = None, max_bytes: int = MAX_BYTES_DEFAULT,
          context: Context | None = None) -> Report:
    """Read, type, validate and diff a file without writing anything."""
    rep = read(table_name, data, file_name, campus=campus, sheet=sheet, max_bytes=max_bytes)
    return review(store, rep, campus=campus, scope=scope, context=context)


def same_outcome(a: Report, b: Report) -> bool:
    """Two checks of one file would write the same rows (what a preview showed is what a commit writes)."""
    return (a.status == b.status and a.rows is not None and b.rows is not None and a.rows.equals(b.rows)
            and (a.changes is None) == (b.changes is None) and (a.changes is None or a.changes.equals(b.changes)))


def import_bytes(store, table_name: str, data: bytes, file_name: str = "", *, user: str = "",
                 campus: str | None = None, scope: set | None = None, dry_run: bool = False,
                 sheet: str | None = None, max_bytes: int = MAX_BYTES_DEFAULT, preview: Report | None = None) -> Report:
    """Check a file and, when it is clean and changes something, commit it as one batch in the name of account `user`.

    An account that may not write is refused before the file is read. The file is read outside the writers' lock;
    validation, diff and commit happen under it, so they see one store state. With `preview` (what the person was
    shown), the commit is refused if the store has changed what it would write since: the new diff is shown instead.
    A director's file is checked against their campuses line by line; the store refuses the write anyway when the
    account may not make it (the refusal comes back as the report's error, nothing written).
    """
    t = schema.table(table_name)
    if not dry_run:
        try:  # the store's own door, before the file is read (no campus chosen: any of the account's campuses)
            mine = {campus} if campus else set(store.campuses_of(store.account(user)) or ())
            store.refuse(user, "import", permissions.rows_of(t, mine))
        except StoreError as exc:
            return Report(table=t.name, file_name=file_name, errors=[error(None, None, str(exc))])
    rep = read(table_name, data, file_name, campus=campus, sheet=sheet, max_bytes=max_bytes)
    if rep.rows is None:
        return rep
    try:  # validation and commit see the same store state
        return store.write(lambda s: _review_and_commit(s, rep, user=user, campus=campus, scope=scope,
                                                        dry_run=dry_run, preview=preview))
    except StoreError as exc:  # a damaged store, a refused or failed write: nothing written
        rep.status = "rejected"
        rep.errors.append(error(None, None, str(exc)))
        return rep


def _review_and_commit(store, rep: Report, *, user: str, campus: str | None, scope: set | None, dry_run: bool,
                       preview: Report | None) -> Report:
    """Under the writers' lock: validate and diff against the store, then commit unless told not to."""
    if scope is None:
        scope = store.campuses_of(store.account(user))
    review(store, rep, campus=campus, scope=scope)
    if preview is not None and rep.status != "rejected" and not same_outcome(preview, rep):
        rep.stale = True
        rep.status = "rejected"
        rep.errors.append(error(None, None, "Les données ont changé depuis l'aperçu (un autre import a été "
                                           "enregistré entre-temps) : rien n'a été enregistré. Vérifiez le nouvel "
                                           "aperçu ci-dessous, puis validez à nouveau."))
        return rep
    if dry_run or rep.status != "valid":
        return rep
    changed = rep.rows[rep.rows["_change"] != "same"].drop(columns="_change")
    campuses = sorted(set(changed.get("campus_id", pd.Series(dtype=object)).dropna()))
    res = store.commit(
        rep.table, changed, file_name=rep.file_name, sha256=rep.sha256, user=user,
        campus_id=campuses[0] if len(campuses) == 1 else (",".join(campuses) or None),
        counts={"rows": len(rep.rows), "inserted": rep.inserted, "updated": rep.updated, "unchanged": rep.unchanged},
    )
    rep.status, rep.batch_id = "committed", res.batch_id
    return rep
