"""The model of the annual report — its blocks, the report itself — and the tables that the regional report and the
national synthesis both write (headline, people reached, actions by status, funders): one wording for both."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from cmq.core import fmt, vocabulary
from cmq.outputs import export

TODO = "À compléter"
NONE = "—"


@dataclass
class Block:
    """One piece of the report: a heading, a paragraph, the coordinator's placeholder, a table, an indented list or a
    chart (its picture, its caption and its figures as a table)."""

    kind: str  # heading · text · todo · table · tree · figure · break
    text: str = ""
    level: int = 1
    table: pd.DataFrame | None = None
    items: list[tuple[int, str]] = field(default_factory=list)
    png: bytes | None = None
    numeric: tuple[str, ...] = ()  # columns aligned right (figures)
    flows: bool = False  # a chapter of one line: it follows on the same page rather than opening one


@dataclass
class Report:
    scope: str
    scope_title: str
    year: int
    data_date: str
    figures: str | None
    blocks: list[Block]
    made_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    committee: str | None = None  # whom it is for (a region's steering committee, the national level)

    @property
    def title(self) -> str:
        return f"Rapport d'activité {self.year}"

    @property
    def subtitle(self) -> list[str]:
        lines = ["Campus des Métiers et des Qualifications", self.scope_title, *([self.committee] if self.committee else [])]
        lines.append(f"Chiffres au {self.data_date}" + (f" · {self.figures}" if self.figures else ""))
        lines.append(f"Document produit par l'outil de pilotage le {fmt.local_day(self.made_at.isoformat())}")
        return lines

    def file_name(self, kind: str) -> str:
        return file_name(self.scope, self.year, kind)

    def headings(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "heading"]


def file_name(scope: str, year: int, kind: str) -> str:
    return f"rapport-activite_{export.slug(scope)}_{year}.{kind}"


def reach_table(reach: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """People and structures reached by audience (the `reach_by_audience` rows), and its columns of figures."""
    return pd.DataFrame({
        "Public": reach["audience"].map(vocabulary.audience_label),
        "Nombre": reach["reached"].map(fmt.number),
        "Actions": reach["actions"].map(fmt.number),
        "Dont ordres de grandeur": reach["includes_estimates"].fillna(False).map({True: "oui", False: "non"}),
    }), ("Nombre", "Actions")


def headline(k, year: int) -> str:
    """The summary's first sentence; what nobody reported yet is said so, never written as a zero."""
    actions = (f"{fmt.number(k['actions'])} actions en {year} ({fmt.number(k['actions_terminee'])} terminées, "
               f"{fmt.number(k['actions_en_cours'])} en cours, {fmt.number(k['actions_prevue'])} prévues)"
               if k["actions"] else f"aucune action renseignée pour {year}")
    reach = (f"{fmt.number(k['people_reached'])} personnes et {fmt.number(k['structures_reached'])} structures touchées "
             "(une action menée par plusieurs campus comptée une fois)"
             if k["people_reached"] or k["structures_reached"] else "aucun public touché renseigné")
    money = (f"{fmt.euros(k['funding_known_eur'])} de financements acquis au montant connu, et "
             f"{fmt.number(k['funding_unknown_lines'])} ligne(s) de financement dont le montant n'est pas connu (jamais "
             "comptées comme 0)" if k["funding_known_eur"] or k["funding_unknown_lines"] else
             "aucun financement acquis renseigné")
    return f"{fmt.number(k['campuses'])} campus · {actions} · {reach} · {money}."


def table(df: pd.DataFrame, numeric=()) -> Block:
    if numeric is True:
        numeric = tuple(df.columns[1:])
    return Block("table", table=df.astype(str).reset_index(drop=True), numeric=tuple(numeric))


def status_table(status: pd.DataFrame, campuses: pd.DataFrame) -> pd.DataFrame:
    wide = status.pivot_table(index="campus_id", columns="status", values="actions", aggfunc="sum", fill_value=0)
    rows = []
    for code in campuses["campus_id"]:
        counts = {s: int(wide.loc[code, s]) if code in wide.index and s in wide.columns else 0
                  for s in vocabulary.STATUSES}
        rows.append({"Campus": code, **{vocabulary.STATUSES_PLURAL[s]: fmt.number(n) for s, n in counts.items()},
                     "Total": fmt.number(sum(counts.values()))})
    return pd.DataFrame(rows)


def funders_table(funders: pd.DataFrame) -> pd.DataFrame:
    def euros(v):
        return NONE if fmt.missing(v) else fmt.euros(v)

    return pd.DataFrame({
        "Financeur": funders["funder"],
        "Type": funders["funder_type"].map(lambda t: vocabulary.FUNDER_TYPES.get(t, t or "")),
        "Campus": funders["campuses"].map(fmt.number),
        "Acquis (montants connus)": funders["acquired_eur"].map(euros),
        "Prévus ou demandés": funders["expected_eur"].map(euros),
        "Lignes sans montant": funders["lines_amount_unknown"].map(fmt.number),
    })
