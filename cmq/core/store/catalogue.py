"""Reads of the store: the canonical views over the Parquet files, and each version's read catalogue."""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import uuid
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from cmq.core import permissions, schema, vocabulary
from cmq.core.store.files import (
    BATCHES,
    CATALOGUE,
    CURRENT,
    REVERTS,
    columns_of,
    private_folder,
    sql_str,
)

READ_ATTEMPTS = 5  # a read overtaken by commits this many times in a row gives up (each retry reads a newer version)
CATALOGUE_FORMAT = 8  # what a catalogue holds besides the tables (the shared rules below): older ones are not reused
# the data contract a catalogue was built for (every table's columns, the batches'): a catalogue of another contract
# (a column gained by an update of the code) is never reused, whatever its format number says
CONTRACT = hashlib.sha256(json.dumps([[t.name, columns_of(t)] for t in schema.TABLES.values()]
                                     + [list(schema.BATCH_COLUMNS)]).encode()).hexdigest()[:8]
CATALOGUE_KEY = f"{CATALOGUE_FORMAT}-{CONTRACT}"  # in a catalogue's name: its format and its contract


# batches (one row per batch, with its revert if any) and a table's history (every row with its batch and whether it
# was reverted), over the raw relations: the same in the embedded store's views and in every catalogue
BATCHES_SQL = ("select b.*, r.reverted_at, r.reverted_by from raw_batches b left join (select batch_id, "
               "min(reverted_at) as reverted_at, any_value(reverted_by) as reverted_by from raw_reverts group by "
               "batch_id) r using (batch_id)")


def latest_sql(t, rows: str, reverts: str) -> str:
    """The rule of current rows, for both stores: among `rows` (a relation of table t's rows with their batch), the
    latest non-reverted row per natural key (`reverts`: a relation of reverted batch_id)."""
    return (f"select * from {rows} where batch_id not in (select batch_id from {reverts}) "
            f"qualify row_number() over (partition by {', '.join(t.key)} order by batch_id desc) = 1")


def by_region(con: duckdb.DuckDBPyConnection, rebuilt: set[str]) -> None:
    """A schema per region in a catalogue, after its tables are built (`rebuilt`: the tables made again for this
    version), holding its campuses' current rows of every relation but the histories, and `_regions` saying which
    schema holds which campuses: a region's staff and directors then read tables the size of a store of that region
    alone (shade). A region's table is made again only when its rows changed: a large table's rows are fingerprinted
    region by region in one pass (`_region_prints`), an upload of one campus remakes one region's table."""
    regions = con.execute("select region, list(campus_id order by campus_id) from campuses where region is not null "
                          "group by region order by region").fetchall()
    held = {name for (name,) in con.execute("select schema_name from duckdb_schemas() where schema_name like "
                                            f"'{REGION_SCHEMA}%'").fetchall()}
    alone = len(regions) <= 1  # a store of one region: its tables are the region's (no copy; `_regions` says main)
    known = not alone and "_region_prints" in {n for (n,) in con.execute(
        "select table_name from duckdb_tables() where schema_name = 'main'").fetchall()}
    prints = {(s, r): p for s, r, p in con.execute("select schema_name, relation, print from _region_prints")
              .fetchall()} if known else {}
    wanted = {REGION_SCHEMA + hashlib.sha256(region.encode()).hexdigest()[:12]: (region, codes)
              for region, codes in regions}
    moved = "campuses" in rebuilt  # a campus may have changed region: every region's tables again
    new_prints = {}
    for relation, campus, year, column in RELATIONS:  # names from the schema, campus codes and region names quoted
        if relation.startswith("raw_") or alone:
            continue
        if not (relation in rebuilt or relation == BATCHES[1:] or moved or set(wanted) - held):
            new_prints.update({(n, relation): prints.get((n, relation), "") for n in wanted})
            continue  # the same rows as the previous version's, in every region
        whole = {name: permissions.Sight(frozenset(codes), regions=frozenset({region}))  # its staff's: drafts too
                 for name, (region, codes) in wanted.items()}
        if column is None and relation != "campuses":  # its rows' fingerprint per region, in one pass
            now = dict(con.execute(
                f"select c.region, {PRINT} from main.{relation} x join main.campuses c "
                f"on c.campus_id = x.{campus} group by all").fetchall())
            now = {name: now.get(region, "") for name, (region, _) in wanted.items()}
        else:  # a small relation (rows of no campus belong to a region): region by region
            now = {name: con.execute(f"select {PRINT} from main.{relation} x "
                                     f"where {_sight_filter(sight, campus, year, column)}").fetchone()[0]
                   for name, sight in whole.items()}
        for name in wanted:
            new_prints[(name, relation)] = now[name]
            if name in held and not moved and prints.get((name, relation)) == now[name]:
                continue  # the same rows as the previous version's
            con.execute(f"create schema if not exists {name}")
            con.execute(f"create or replace table {name}.{relation} as select * from main.{relation} "
                        f"where {_sight_filter(whole[name], campus, year, column)}")
    if alone:
        wanted = {"main": regions[0]} if regions else {}
    for name in held - set(wanted):
        con.execute(f"drop schema {name} cascade")
    con.execute("create or replace table _regions (schema_name varchar, region varchar, campuses varchar[])")
    con.execute("create or replace table _region_prints (schema_name varchar, relation varchar, print varchar)")
    if wanted:
        con.executemany("insert into _regions values ($s, $r, $c)",
                        [{"s": n, "r": r, "c": c} for n, (r, c) in wanted.items()])
    if new_prints:
        con.executemany("insert into _region_prints values ($s, $r, $p)",
                        [{"s": n, "r": r, "p": p} for (n, r), p in new_prints.items()])


PRINT = "concat(bit_xor(hash(x)), '-', sum(hash(x)::hugeint), '-', count(*))"  # a fingerprint of rows x
REGION_SCHEMA = "region_"  # a catalogue's schema of one region's rows: region_ and a digest of its name


def _region_schemas(con: duckdb.DuckDBPyConnection, db: str) -> dict[frozenset[str], str]:
    """A catalogue's region schemas ({its campuses: schema}), read once per catalogue file; none for a connection
    without (views over the files)."""
    if db in _REGIONS:
        return _REGIONS[db]
    try:
        regions = con.execute(f'select schema_name, campuses from "{db}".main._regions').fetchall()
    except duckdb.CatalogException:
        return {}
    if len(_REGIONS) > 16:
        _REGIONS.clear()
    _REGIONS[db] = {frozenset(c): name for name, c in regions}  # a catalogue file never changes once written
    return _REGIONS[db]


_REGIONS: dict[str, dict] = {}


def history_sql(t) -> str:
    """Every row ever committed to table t, with its batch (file, account, date) and whether it was reverted: over
    the raw relations, so that a read's sight (see shade) filters the rows by their own campus, not by their batch's."""
    return (f"select r.*, b.file_name, b.user_name, b.committed_at, b.batch_id in (select batch_id from raw_reverts) "
            f"as reverted from raw_{t.name} r join raw_batches b using (batch_id)")


def shared_rules(con: duckdb.DuckDBPyConnection) -> None:
    """Rules several queries share, written once: the audiences (which are structures, not people), where an indicator
    stands against its target, and the reach figures with a joint action counted once (one row per action, year,
    audience and detail: its largest figure, whoever of its campuses reported it), for the chosen campuses (null: all)
    and year (null: every year)."""
    con.execute("create or replace table audiences (audience varchar, label varchar, is_structure boolean)")
    con.executemany("insert into audiences values ($audience, $label, $structure)",
                    [{"audience": a, "label": label, "structure": a in vocabulary.STRUCTURE_AUDIENCES}
                     for a, label in vocabulary.AUDIENCES.items()])
    con.execute("""
        create or replace macro reach_once(campuses, chosen_year) as table
        select
            action_id,
            year,
            audience,
            detail,
            max(count) as count,
            max(women) as women,
            bool_or(coalesce(approximate, false)) as approximate
        from reach
        where (campuses is null or list_contains(campuses, campus_id))
            and (chosen_year is null or year = chosen_year)
        group by action_id, year, audience, detail""")
    # each campus's year in a few figures (a year null: every year): people reached (structures are not people), of
    # them pupils, teachers, companies; actions by status; acquired funding with a known amount, by funder type; the
    # labelling criteria met (level 2 or 3, its latest assessment up to the year); `reported`: it declared a reach,
    # an action or a funding line for the year (a campus that has not reported yet is never averaged as a zero).
    # The national thematic networks show it campus by campus, a region's comparison averages it by sector
    con.execute("""
        create or replace macro campus_figures(chosen_year) as table
        with reach_of as (
            select
                r.campus_id,
                cast(coalesce(sum(r.count) filter (where not a.is_structure), 0) as bigint) as people_reached,
                cast(coalesce(sum(r.count) filter (where a.audience in ('collegiens', 'lyceens', 'collegiens_lyceens')),
                    0) as bigint) as pupils,
                cast(coalesce(sum(r.count) filter (where a.audience = 'enseignants'), 0) as bigint) as teachers,
                cast(coalesce(sum(r.count) filter (where a.audience = 'entreprises'), 0) as bigint) as companies
            from reach r
            join audiences a using (audience)
            where chosen_year is null or r.year = chosen_year
            group by r.campus_id
        ),
        actions_of as (
            select
                campus_id,
                count(*) filter (where status = 'terminee') as actions_terminee,
                count(*) filter (where status = 'en_cours') as actions_en_cours,
                count(*) filter (where status = 'prevue') as actions_prevue
            from actions
            where chosen_year is null or year = chosen_year
            group by campus_id
        ),
        funding_of as (
            select
                campus_id,
                coalesce(sum(amount_eur) filter (where status = 'acquis'), 0) as funding_known_eur,
                coalesce(sum(amount_eur) filter (where status = 'acquis' and funder_type = 'region'), 0)
                    as funding_region_eur,
                coalesce(sum(amount_eur) filter (where status = 'acquis' and funder_type = 'etat'), 0)
                    as funding_state_eur,
                coalesce(sum(amount_eur) filter (where status = 'acquis' and funder_type = 'europe'), 0)
                    as funding_europe_eur,
                coalesce(sum(amount_eur) filter (where status = 'acquis'
                    and funder_type not in ('region', 'etat', 'europe')), 0) as funding_other_eur
            from funding
            where chosen_year is null or year = chosen_year
            group by campus_id
        ),
        criteria_of as (
            select
                campus_id,
                count(*) filter (where level >= 2) as criteria_met,
                count(*) as criteria_assessed
            from (
                select campus_id, criterion_no, level
                from criteria_assessments
                where chosen_year is null or year <= chosen_year
                qualify row_number() over (partition by campus_id, criterion_no order by year desc) = 1
            )
            group by campus_id
        )
        select
            c.campus_id,
            c.sector,
            r.people_reached,
            r.pupils,
            r.teachers,
            r.companies,
            a.actions_terminee,
            a.actions_en_cours,
            a.actions_prevue,
            f.funding_known_eur,
            f.funding_region_eur,
            f.funding_state_eur,
            f.funding_europe_eur,
            f.funding_other_eur,
            k.criteria_met,
            k.criteria_assessed,
            r.campus_id is not null or a.campus_id is not null or f.campus_id is not null as reported
        from campuses c
        left join reach_of r using (campus_id)
        left join actions_of a using (campus_id)
        left join funding_of f using (campus_id)
        left join criteria_of k using (campus_id)""")
    # where an indicator stands against its target (steering.py says the rule and sets the thresholds), as a code of
    # vocabulary.INDICATOR_STATUS: every query that judges an indicator calls this, on the figures it is judged on
    # (a cumulative indicator: its running sums)
    con.execute("""
        create or replace macro indicator_status(actual, target, direction, on_track, on_track_down) as
        case
            when actual is null then 'non_renseigne'
            when target is null then 'sans_cible'
            when direction = 'baisse' then
                case when actual <= target then 'atteint'
                     when actual <= target * cast(on_track_down as double) then 'en_bonne_voie'
                     else 'en_retard' end
            else
                case when actual >= target then 'atteint'
                     when actual >= target * cast(on_track as double) then 'en_bonne_voie'
                     else 'en_retard' end
        end""")


def _sight_filter(sight, campus: str, year: str | None, region: str | None = None) -> str:
    """The condition a row meets to be read by `sight` (permissions.Sight), its campus in column `campus`, its year in
    `year` (None: a relation without one) and the region a row belongs to as a whole in `region` (a committee's
    milestones, a batch of several campuses of one region). Built from campus codes and region names the
    store holds, each quoted by sql_str: DuckDB binds no parameters in a view's definition."""
    keep = []
    if sight.campuses is not None:
        own = f"{campus} in ({', '.join(sql_str(c) for c in sorted(sight.campuses))})" if sight.campuses else "false"
        if region and sight.regions:
            own = f"({own} or {region} in ({', '.join(sql_str(r) for r in sorted(sight.regions))}))"
        keep.append(own)
    if sight.hidden and year:
        pairs = ", ".join(sql_str(f"{c}|{y}") for c, y in sorted(sight.hidden))
        keep.append(f"coalesce({campus} || '|' || cast({year} as varchar), '') not in ({pairs})")
    return " and ".join(keep) or "true"


@functools.lru_cache(maxsize=256)
def _named(sql: str | None) -> frozenset[str] | None:
    """The relations a query's text names (None: any), with the ones the shared rules read for it: reach_once reads
    reach, a history reads its raw rows."""
    if sql is None:
        return None
    words = set(re.findall(r"[a-z_][a-z0-9_]*", sql.lower()))
    macros = set().union(*(reads for macro, reads in MACRO_READS.items() if macro in words))
    return frozenset(words | macros | {f"raw_{w[:-8]}" for w in words if w.endswith("_history")})


MACRO_READS = {  # the relations each shared rule reads: a query calling it reads them through the sight too
    "reach_once": {"reach"},
    "campus_figures": {"campuses", "reach", "actions", "funding", "criteria_assessments"},
}


def _relations() -> list[tuple[str, str, str | None, str | None]]:
    """Every relation holding campus rows, with its campus column, its year column and the column naming the region
    of a row of no campus: the batches (a batch of several campuses is its region's when they share one, else the
    nation's), each table's current rows and its raw history."""
    out = [(BATCHES[1:], "campus_id", None, "region")]
    for t in schema.TABLES.values():
        if t.campus_column:
            year = "year" if any(c.name == "year" for c in t.columns) else None
            out += [(t.name, t.campus_column, year, t.region_column),
                    (f"raw_{t.name}", t.campus_column, year, t.region_column)]
    return out


RELATIONS = _relations()


def shade(con: duckdb.DuckDBPyConnection, sight, sql: str | None = None,
          held: dict | None = None) -> duckdb.DuckDBPyConnection:
    """Make connection `con` read only what `sight` lets an account read (permissions.sight): every relation holding
    campus rows — each table's current rows, its history, the batches — is shadowed by a relation of the same name
    keeping the rows of the sight's campuses, less the figures it may not see yet. Every query, macro and view then
    reads through them: the scope is applied once, here, never in a query file. A sight of everything changes nothing
    (no cost); given the `sql` about to run, only the relations it reads are shadowed.

    A sight of exactly one region's campuses (its staff, its directors) reads the region's own tables, which the
    catalogue holds (by_region), first on the search path — through a view hiding the figures still in progress it
    may not see, when there are; any other sight, and every history, gets temporary views over the nation's
    relations (about a millisecond each to declare). A cursor kept for more reads of the same sight brings what it
    already `held` (a dict, updated): each view is declared once, the path set once."""
    if sight is None or sight.everything:
        return con
    held = {} if held is None else held
    if "db" not in held:
        held["db"] = con.execute("select current_database()").fetchone()[0].replace('"', '""')
        regions = _region_schemas(con, held["db"]) if sight.campuses and held["db"] != "memory" else {}
        held["own"], held["views"] = regions.get(sight.campuses), set()
        if held["own"] not in (None, "main"):  # the region's own tables come first
            con.execute(f"set search_path = '{held['own']},main'")
    db, own, views = held["db"], held["own"], held["views"]
    named = _named(sql)
    for name, campus, year, region in RELATIONS:  # names from the schema, values quoted
        if named is not None and name not in named or name in views:
            continue
        if own is not None and not name.startswith("raw_") and not (own == "main" and region):
            # the region's schema holds its rows alone (a store of one region: its tables, but the rows of no campus
            # naming no region — the nation's — still read through the views below)
            if sight.hidden and year:
                mine = permissions.Sight(None, sight.hidden)  # only the figures it may not see yet to take out
                con.execute(f'create or replace temp view {name} as select * from "{db}".{own}.{name} '
                            f"where {_sight_filter(mine, campus, year, region)}")
                views.add(name)
            continue
        con.execute(f'create or replace temp view {name} as select * from "{db}".main.{name} '
                    f"where {_sight_filter(sight, campus, year, region)}")
        views.add(name)
    return con


def read_as(name: str, held: bool) -> str:
    """How a column is read: itself (its contract default where a cell is empty), or, missing from every file (the
    contract gained it after they were written), its default or null."""
    default = schema.DEFAULTS.get(name)
    if default is None:
        return name if held else "null"
    return f"coalesce({name}, {sql_str(default)})" if held else sql_str(default)


class Catalogue:
    """Read connections (mixed into Store)."""

    def connect(self, manifest: dict | None = None, *, build: bool = True) -> duckdb.DuckDBPyConnection:
        """A read connection with the canonical views: the store version's catalogue (a DuckDB file holding the
        current rows as native tables, and the history as views over the Parquet files), built on the version's
        first read unless `build` is false; without it (or when it cannot be written), an in-memory connection
        with views over the Parquet files. Both answer every query the same way.

        A damaged data file (absent, of another size, or, when no catalogue holds the version, of another SHA-256)
        is left out: the pages get in-memory views over the sound files, and `self.damaged[version]` says what is missing.

        Readers take no lock: a commit may retire a file of the version being opened. A missing file is a damage
        only while the manifest still names it; else the newer version is opened instead (see _moved_on)."""
        for _ in range(READ_ATTEMPTS):
            m = manifest or self.manifest()
            try:
                return self._connect(m, build)
            except (duckdb.IOException, FileNotFoundError):
                if not self._moved_on(m, manifest):
                    raise
        return self._connect(self.manifest(), build)

    def _moved_on(self, m: dict, given: dict | None) -> bool:
        """Whether the store moved past version `m` while it was being read (a commit retired its files): then the
        read is done again on the newer version, unless the caller asked for `m` itself."""
        return given is None and int(self.manifest()["version"]) != int(m["version"])

    def _connect(self, m: dict, build: bool) -> duckdb.DuckDBPyConnection:
        path = self._catalogue_path(m)
        # a catalogue is made, and Parquet files read, only from files exactly as they were written (each file is
        # hashed once per process); a version's catalogue, once made, holds its current rows: sizes are enough
        damaged = self.damaged_files(m, thorough=not path.exists())
        if not damaged and build and int(m["version"]) and not path.exists():  # nothing yet: nothing to catalogue
            try:
                self._build_catalogue(m, path)
            except (OSError, duckdb.Error, Timeout):
                pass  # a read-only or full disk, a busy builder: the in-memory views answer the same
        if damaged and self._moved_on(m, None):
            raise FileNotFoundError("a commit retired files of this version meanwhile")  # not a damage: read again
        if damaged:  # serve what the sound files hold, say what is missing (see damage_report), write nothing
            self.damaged[int(m["version"])] = self.damage_report(m, damaged)
            return self._views(self._without(m, damaged))
        if path.exists():
            try:
                return duckdb.connect(str(path), read_only=True)
            except duckdb.Error:  # damaged, or written by another DuckDB version: the next read rebuilds it
                path.unlink(missing_ok=True)
        return self._views(m)

    def _views(self, m: dict, con: duckdb.DuckDBPyConnection | None = None,
               catalogue: bool = False) -> duckdb.DuckDBPyConnection:
        """Declare over the live files, in `con` (a new in-memory connection by default): batches, each table's
        history and its current rows. In a catalogue, batches is a table and the current rows are left to it."""
        con = con or duckdb.connect()
        files = m["files"]
        for name, cols in ((BATCHES, schema.BATCH_COLUMNS), (REVERTS, schema.REVERT_COLUMNS)):
            con.execute(f"create or replace view raw{name} as " + self._scan(files.get(name, []), cols))
        # batches is small and changes with every commit and revert: a catalogue holds it as a table
        con.execute(f"create or replace {'table' if catalogue else 'view'} batches as {BATCHES_SQL}")
        for t in schema.TABLES.values():
            con.execute(f"create or replace view raw_{t.name} as " + self._scan(files.get(t.name, []), columns_of(t)))
            # history: every row ever committed for this table, with its batch and whether it was reverted
            con.execute(f"create or replace view {t.name}_history as {history_sql(t)}")
            if not catalogue:
                con.execute(f"create view {t.name} as " + self._current_sql(t, m))
        if not catalogue:  # a catalogue declares them once its tables exist (_fill_catalogue)
            shared_rules(con)
        return con

    def _catalogue_path(self, m: dict) -> Path:
        """The catalogue file of this store version (named after the manifest and where the store lives)."""
        key = hashlib.sha256(json.dumps([CATALOGUE_KEY, str(self.root.resolve()), m], sort_keys=True).encode())
        key = key.hexdigest()[:16]
        return self.root / CATALOGUE / f"v{int(m['version']):08d}-{key}.duckdb"

    def _build_catalogue(self, m: dict, path: Path) -> None:
        """Write the catalogue of version `m`: the current rows of every table as native DuckDB tables (what pages
        read: no Parquet decoding, no snapshot/delta resolution at query time), batches as a table, histories as
        views over the Parquet files. It starts from the newest earlier catalogue and rebuilds only the tables
        whose files changed (an import changes one). Written aside and renamed into place: a reader sees a whole
        catalogue or none. Derived from the Parquet files: deleting the folder loses nothing."""
        private_folder(path.parent)
        with FileLock(str(path.parent / ".lock"), timeout=60):
            if path.exists():
                return  # another reader built it meanwhile
            for stale in path.parent.glob(".tmp-*"):  # left by a builder that died (builders hold the lock)
                stale.unlink(missing_ok=True)
            older = sorted(p for p in path.parent.glob("v*.duckdb") if p.name < path.name)
            tmp = path.parent / f".tmp-{uuid.uuid4().hex}.duckdb"
            try:
                if older:
                    shutil.copyfile(older[-1], tmp)
                con = duckdb.connect(str(tmp))
                try:
                    self._fill_catalogue(con, m, known=bool(older))
                finally:
                    con.close()
                with open(tmp, "rb+") as fh:
                    os.fchmod(fh.fileno(), 0o600)  # the store's rows: its owner's only
                    os.fsync(fh.fileno())
                os.replace(tmp, path)
            except BaseException:
                tmp.unlink(missing_ok=True)
                tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
                raise
            for p in older[:-1]:  # keep the previous version for readers still on it
                p.unlink(missing_ok=True)

    def _fill_catalogue(self, con: duckdb.DuckDBPyConnection, m: dict, known: bool) -> None:
        signed = dict(con.execute("select name, signature from _signatures").fetchall()) if known else {}
        signatures = {name: self._signature(name, m) for name in schema.TABLES}
        self._views(m, con, catalogue=True)
        rebuilt = {t.name for t in schema.TABLES.values() if signed.get(t.name) != signatures[t.name]}
        for t in schema.TABLES.values():
            if t.name in rebuilt:
                con.execute(f"create or replace table {t.name} as " + self._current_sql(t, m))
        con.execute("create or replace table _signatures (name varchar, signature varchar)")
        con.executemany("insert into _signatures values ($name, $signature)",
                        [{"name": n, "signature": sig} for n, sig in signatures.items()])
        by_region(con, rebuilt)
        shared_rules(con)
        con.execute("checkpoint")

    @staticmethod
    def _signature(name: str, m: dict) -> str:
        """What a table's current rows depend on: the contract (its columns), its snapshot and delta (or whole
        history) and, when it has batches outside a snapshot, the reverts."""
        state = m.get("current", {}).get(name, {})
        open_batches = bool(state.get("delta")) or not state.get("file")
        return json.dumps([CATALOGUE_KEY, state.get("file"), state.get("delta"), None if state.get("file") else m["files"].get(name),
                           m["files"].get(REVERTS) if open_batches else None], sort_keys=True)

    # The view and snapshot SQL below is built from schema names and quoted file paths, never from user values:
    # DuckDB binds no parameters in a view's definition.
    def _latest(self, t, rels: list[str], reverts: str) -> str:
        """The latest non-reverted row per key of table t among the files `rels` (`reverts`: a relation of batch_id)."""
        return latest_sql(t, f"({self._scan(rels, columns_of(t))})", reverts)

    def _current_sql(self, t, m: dict) -> str:
        """The current rows of table t: its snapshot, minus the keys that its delta changes, plus those."""
        state = m.get("current", {}).get(t.name, {})
        reverts = f"raw{REVERTS}"
        if not state.get("file"):  # no snapshot yet (a young store): resolve the whole history
            return self._latest(t, m["files"].get(t.name, []), reverts)
        cols = columns_of(t)
        if not state.get("delta"):
            return self._scan([state["file"]], cols)
        newer = self._latest(t, [state["delta"]], reverts)
        same = " and ".join(f"s.{k} is not distinct from n.{k}" for k in t.key)
        return (f"with newer as ({newer}) select s.* from ({self._scan([state['file']], cols)}) s "
                f"anti join newer n on {same} union all by name select * from newer")

    def _scan(self, rels: list[str], cols) -> str:
        """Every row of the files `rels`, typed as `cols` say; a column the contract gained after the files were
        written (none of them has it) reads as null."""
        held = set().union(*(self._file_columns(r) for r in rels)) if rels else set()
        typed = ", ".join(f"cast({read_as(n, n in held)} as {schema.DUCKDB_TYPES[t]}) as {n}" for n, t in cols)
        if not rels:
            nulls = ", ".join(f"cast(null as {schema.DUCKDB_TYPES[t]}) as {n}" for n, t in cols)
            return "select " + nulls + " where false"
        paths = ", ".join(sql_str(str((self.root / r).resolve())) for r in rels)
        return "select " + typed + " from read_parquet([" + paths + "], union_by_name = true)"

    def _file_columns(self, rel: str) -> frozenset[str]:
        """The columns data file `rel` holds (from its footer; a data file never changes once written)."""
        cache = self.__dict__.setdefault("_columns_of", {})
        if rel not in cache:
            try:
                cache[rel] = frozenset(pq.read_schema(self.root / rel).names)
            except (OSError, pa.ArrowException):
                return frozenset()  # unreadable: the read reports it (damaged files are left out before this)
        return cache[rel]

    def sandboxed(self) -> duckdb.DuckDBPyConnection:
        """A read connection for SQL typed by a person (`cmq sql`): it reaches nothing outside the store — no extension
        installed or loaded at run time, no URL, no file outside the store's folder — and the query cannot change
        that back (the configuration is locked)."""
        con = self.connect()
        # the data folders only: the store's folder also holds its secrets (the sessions' key, the accounts' hashes
        # and e-mail addresses, the sign-in counts), which no query may read
        data = [BATCHES, REVERTS, CURRENT, *schema.TABLES]
        folders = ", ".join(sql_str(str(self.root.resolve() / name) + os.sep) for name in data)
        for setting in (f"allowed_directories = [{folders}]", "enable_external_access = false",
                        "autoinstall_known_extensions = false", "autoload_known_extensions = false",
                        "lock_configuration = true"):
            con.execute("set " + setting)
        return con

    def read(self, sql: str, params: dict | None = None, *, build: bool = True, sight=None) -> pd.DataFrame:
        """Run one read query over the canonical views (`build`: as in connect), as `sight` lets an account read it
        (permissions.sight; None: the store's own read, everything); again on the newer version when a commit retired
        a file it was reading."""
        for attempt in range(READ_ATTEMPTS):
            m = self.manifest()
            try:
                con = shade(self.connect(m, build=build), sight, sql)
                try:
                    return con.execute(sql, params or {}).df()
                finally:
                    con.close()
            except (duckdb.IOException, duckdb.InvalidInputException, FileNotFoundError):
                if attempt == READ_ATTEMPTS - 1:
                    raise
                if not self._moved_on(m, None):
                    # the version's catalogue was deleted or damaged under the reader (an operator clearing a cache,
                    # a temporary-files cleaner, a disk error): it is derived data, made again from the store
                    self.forget_catalogue(m)

    def forget_catalogue(self, m: dict) -> None:
        """Remove version `m`'s read catalogue (derived from the store: the next read makes it again)."""
        path = self._catalogue_path(m)
        for p in (path, path.with_name(path.name + ".wal")):
            try:
                p.unlink(missing_ok=True)
            except OSError:
                pass

    def catalogue_problem(self, m: dict) -> str | None:
        """What is wrong with version `m`'s read catalogue, in French (None when sound or not yet made)."""
        path = self._catalogue_path(m)
        if not path.exists():
            return None
        try:
            con = duckdb.connect(str(path), read_only=True)
            try:
                for name in ["batches", *schema.TABLES]:  # every row read: a truncated file fails where it ends
                    con.sql(f"select * from {name}").to_arrow_table()  # names from the schema
            finally:
                con.close()
        except duckdb.Error:
            return (f"Le catalogue de lecture {path.relative_to(self.root)} est endommagé : il est reconstruit à partir "
                    "des données à la prochaine lecture (« check --repair » le retire tout de suite) ; rien n'est perdu.")
        return None

    def current(self, table_name: str, *, build: bool = True) -> pd.DataFrame:
        """The canonical rows of one table."""
        return self.read("select * from " + schema.table(table_name).name, build=build)
