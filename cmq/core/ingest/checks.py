"""The checks every file's rows go through, in one list (CHECKS): each with its stable code, its one-line
description and its French messages. `validate` runs them."""
from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from cmq.core import fmt, schema, steering
from cmq.core.ingest.reading import error
from cmq.core.ingest.rows import KNOWN, Context, known_ids
from cmq.core.schema import Table

MAX_ERRORS = 1000  # a file's errors listed before the check stops


def closest(code, known) -> str | None:
    """The known code closest to a mistyped one (« AGT-I9 » → « AGT-I09 »), among those of the same prefix."""
    text = str(code)
    prefix = text.split("-", 1)[0]
    pool = [str(k) for k in known if str(k).startswith(prefix)][:5000]
    bare = lambda c: re.sub(r"\d+", lambda m: str(int(m.group())), c.casefold())  # noqa: E731 (I9 = I09 = i09)
    same = [k for k in pool if bare(k) == bare(text)]
    if len(same) == 1:
        return same[0]
    close = difflib.get_close_matches(text, pool, n=1, cutoff=0.75)
    return close[0] if close else None


@dataclass
class Pass:
    """What the checks of one file share: its table, the identifiers known (the store's and the file's own), the
    campus it is imported for, the account's campuses (None: bounded by none), the keys seen so far."""
    t: Table
    known: dict
    campus: str | None = None
    scope: set | None = None
    seen: dict = field(default_factory=dict)
    line: int | None = None  # the line being checked
    this_year: int = field(default_factory=lambda: date.today().year)

    def __post_init__(self):
        self.codes = {c.name: set(schema.choice_codes(c)) for c in self.t.columns if c.choices}
        self.measured = [c for c in self.t.columns if c.type in ("int", "float") and c.years_ahead is None]

    def header(self, name: str) -> str:
        return self.t.column(name).header


@dataclass(frozen=True)
class Check:
    """One check of a row: a stable code (in each error, in the JSON of `cmq import`), what it checks in one line,
    and its function (row, pass) → (column header, French message) for each problem."""
    code: str
    what: str
    run: Callable[[dict, Pass], list[tuple[str, str]]]


def _required(r: dict, p: Pass) -> list:
    return [(c.header, f"La colonne « {c.header} » est obligatoire : elle ne peut pas être vide.")
            for c in p.t.columns if c.required and r[c.name] is None]


def _choice(r: dict, p: Pass) -> list:
    return [(c.header, f"« {r[c.name]} » n'est pas une valeur possible. Écrivez l'une de : "
                       f"{', '.join(schema.choice_label(c, k) for k in schema.choice_codes(c))}.")
            for c in p.t.columns if c.choices and r[c.name] is not None and r[c.name] not in p.codes[c.name]]


def _year(r: dict, p: Pass) -> list:
    return [(c.header, f"L'année {r[c.name]} n'est pas plausible : écrivez une année entre {c.min:g} et "
                       f"{p.this_year + c.years_ahead}.")
            for c in p.t.columns if c.years_ahead is not None and r[c.name] is not None
            and not (c.min <= r[c.name] <= p.this_year + c.years_ahead)]


def _too_small(r: dict, p: Pass) -> list:
    return [(c.header, f"La valeur {fmt.number(r[c.name], 6)} est trop petite : le minimum est "
                       f"{fmt.number(c.bounds[0])}.")
            for c in p.measured if r[c.name] is not None and r[c.name] < c.bounds[0]]


def _too_large(r: dict, p: Pass) -> list:
    return [(c.header, f"La valeur {fmt.number(r[c.name], 6)} est trop grande : le maximum est "
                       f"{fmt.number(c.bounds[1])}.")
            for c in p.measured if r[c.name] is not None and r[c.name] > c.bounds[1]]


def _date(r: dict, p: Pass) -> list:
    last = date(p.this_year + schema.DATE_YEARS_AHEAD, 12, 31)
    return [(c.header, f"La date du {fmt.day(r[c.name])} n'est pas plausible : écrivez une date entre le "
                       f"{fmt.day(schema.DATE_MIN)} et le 31 décembre {p.this_year + schema.DATE_YEARS_AHEAD}.")
            for c in p.t.columns if c.type == "date" and r[c.name] is not None
            and not (schema.DATE_MIN <= r[c.name] <= last)]


def _reference(r: dict, p: Pass) -> list:
    out = []
    for c in p.t.columns:
        v = r[c.name]
        if v is None or not c.ref or c.ref[0] not in p.known or v in p.known[c.ref[0]]:
            continue
        label = schema.table(c.ref[0]).label.lower()
        near = closest(v, p.known[c.ref[0]])
        out.append((c.header, f"« {v} » n'existe pas dans les {label}" + (f" (voulez-vous dire « {near} » ?)" if near
                                                                          else "")
                    + f". Vérifiez l'identifiant ou importez d'abord les {label}."))
    return out


def _file_campus(r: dict, p: Pass) -> list:
    cid = r.get("campus_id") if p.t.campus_column else None
    if cid is None or not p.campus or cid == p.campus:
        return []
    return [(p.header("campus_id"), f"Cette ligne concerne le campus {cid}, mais le fichier est importé pour {p.campus}.")]


def _scope(r: dict, p: Pass) -> list:
    if not p.t.campus_column or p.scope is None:
        return []
    cid = r.get("campus_id")
    if cid is None:
        return [(p.header("campus_id"), "Une ligne sans campus concerne toute la région : seul un administrateur peut "
                                        "l'importer. Indiquez votre campus.")]
    if cid not in p.scope:
        return [(p.header("campus_id"), f"Vous ne pouvez pas importer de données pour le campus {cid} "
                                        f"(vos campus : {', '.join(sorted(p.scope)) or 'aucun'}).")]
    return []


def _table_rules(r: dict, p: Pass) -> list:
    return [(p.header(name), message) for rule in p.t.rules for name, message in rule(r, p.known)]


def _duplicate(r: dict, p: Pass) -> list:
    key = tuple(r[k] for k in p.t.key)
    if any(k is None for k in key):
        return []
    if key in p.seen:
        return [(p.header(p.t.key[-1]), f"Cette ligne a la même clé ({', '.join(map(str, key))}) que la ligne "
                                        f"{p.seen[key]} : gardez-en une seule.")]
    p.seen[key] = p.line
    return []


# Every check a file's rows go through, in the order a line's errors are listed. The column rules (required, choice,
# bounds, references) read the schema's columns; `regle` runs each table's own rules (schema.py, beside its table).
CHECKS = (
    Check("obligatoire", "une colonne obligatoire est remplie", _required),
    Check("valeur_possible", "une colonne à liste contient l'une de ses valeurs", _choice),
    Check("annee_plausible", "une année est entre la première que sa colonne admet et celles que la colonne admet à "
                             "venir (dix ans pour l'année d'un chiffre)", _year),
    Check("trop_petit", "un nombre n'est pas sous le minimum de sa colonne", _too_small),
    Check("trop_grand", "un nombre n'est pas au-dessus du maximum de sa colonne", _too_large),
    Check("date_plausible", f"une date est entre le 1er janvier {schema.DATE_MIN.year} et la fin de l'année dans "
                            f"{schema.DATE_YEARS_AHEAD} ans", _date),
    Check("reference_inconnue", "un identifiant désigne une ligne qui existe (dans le magasin ou le fichier)",
          _reference),
    Check("autre_campus", "la ligne concerne le campus pour lequel le fichier est importé", _file_campus),
    Check("hors_perimetre", "la ligne concerne l'un des campus du compte (un directeur)", _scope),
    Check("regle", "les règles propres à la table (cibles, sens, dates, publics…)", _table_rules),
    Check("cle_en_double", "une clé n'apparaît qu'une fois dans le fichier", _duplicate),
)


def validate(t: Table, rows: pd.DataFrame, lines: list[int], ctx: Context, *, campus: str | None = None,
             scope: set | None = None) -> list[dict]:
    """Every problem with typed rows, as (line, column, French message, check code): each row through CHECKS.
    Never raises on bad data."""
    names = list(rows.columns)
    rec = [dict(zip(names, values)) for values in zip(*(rows[n].tolist() for n in names))]
    known = dict(ctx)  # rows this very file defines count as existing for the references of the file
    known["narrative_gap"] = steering.narrative_gap()  # a setting the rules read, once per file
    if len(t.key) == 1 and t.name in KNOWN:
        own = [r for r in rec if r[t.key[0]] is not None]
        known[t.name] = {**ctx.get(t.name, {}), **known_ids(t, names, [[r[n] for n in names] for r in own])}
    p = Pass(t, known, campus, scope)
    errors: list[dict] = []
    for ln, r in zip(lines, rec):
        p.line = ln
        errors += [error(ln, header, message, check.code) for check in CHECKS for header, message in check.run(r, p)]
        if len(errors) > MAX_ERRORS:
            errors.append(error(None, None, f"Plus de {MAX_ERRORS} erreurs : corrigez celles-ci puis déposez à "
                                            "nouveau le fichier."))
            break
    return errors
