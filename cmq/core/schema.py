"""The data contract in one place: tables, columns, types, French headers, allowed values, keys."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pyarrow as pa

from cmq.core.steering import NARRATIVE_GAP
from cmq.core.vocabulary import (  # noqa: F401 (the contract's code lists, read as schema.X)
    AUDIENCES,
    CARRIER_TYPES,
    COLUMNS,
    CRITERION_LEVELS,
    DIRECTIONS,
    FUNDER_TYPES,
    FUNDING_KINDS,
    FUNDING_STATUSES,
    LABELS,
    LEVEL_BASES,
    LEVELS,
    MILESTONE_KINDS,
    MILESTONE_STATUSES,
    PARTNER_TYPES,
    REGIONS,
    SECTORS,
    STATUSES,
    UNITS,
)

# Arrow type of each logical column type; the store writes Parquet with these.
ARROW_TYPES = {
    "text": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
}
DUCKDB_TYPES = {"text": "varchar", "int": "bigint", "float": "double", "bool": "boolean", "date": "date"}

@dataclass(frozen=True)
class Column:
    """One column: type, French header, constraints."""

    name: str
    type: str
    header: str
    required: bool = False
    choices: dict | tuple | None = None
    ref: tuple[str, str] | None = None
    min: float | None = None
    max: float | None = None
    help: str = ""
    yes_no: bool = False  # a number that may be written oui/non (VRAI/FAUX): 1/0, for the rows whose unit allows it
    years_ahead: int | None = None  # a year: at most this many years after the current one
    default: str | None = None  # what an empty cell means (a key column that may be left empty), also in older files

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.type]

    @property
    def bounds(self) -> tuple[float, float]:
        """The smallest and largest number the column takes: its own min and max, else NUMBER_BOUND (WHOLE_BOUND for
        whole numbers) either side."""
        bound = NUMBER_BOUND if self.type == "float" else WHOLE_BOUND
        return (-bound if self.min is None else self.min), (bound if self.max is None else self.max)


@dataclass(frozen=True)
class Table:
    """One table of the contract."""

    name: str
    label: str
    kind: str  # "reference" | "fact"
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    campus_column: str | None = "campus_id"
    description: str = ""
    co_campus_column: str | None = None  # campuses that carry a row jointly with its campus (comma-separated codes)
    region_column: str | None = None  # a row of no campus names the region it belongs to here (a committee's milestones)
    # what a row tells the validator about its key when another table points to it (None: only that it exists)
    known_as: Callable[[dict], object] | None = field(default=None, compare=False, repr=False)
    # rules across the columns of one row: rule(row, known) -> [(column, French message)]; `known` maps each
    # reference table to {key: what known_as says}
    rules: tuple = field(default=(), compare=False, repr=False)
    # a line none of these columns fills says nothing (a template line left blank): the importer passes over it
    fill_columns: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)



# Every number has bounds that fit what it counts: a column that names none gets these (a figure of an indicator, a
# position), far beyond any real one and well inside what every layer, every format and every page holds.
NUMBER_BOUND = 1e12
WHOLE_BOUND = 10 ** 9
PEOPLE_MAX = 10_000_000  # people reached by one line
EUROS_MAX = 1e10  # one line of funding
DATE_MIN = date(1990, 1, 1)  # dates of actions and milestones: no campus existed before
DATE_YEARS_AHEAD = 20  # … and none is planned further ahead


def _c(name, type_, header, **kw) -> Column:
    return Column(name, type_, header, **kw)


# a column a file carries for its reader (« Intitulé (pour information) » beside a code): never imported, no warning
FOR_INFORMATION = "(pour information)"

SOURCE = _c("source", "text", "Source", help="Où le chiffre a été pris (rapport, section, fichier).")
CAMPUS = _c("campus_id", "text", "Code campus", required=True, ref=("campuses", "campus_id"),
            help="Code court du campus, par exemple AGT.")
YEAR = _c("year", "int", "Année", required=True, min=2000, max=2100, years_ahead=10,
         help="Année civile, par exemple 2018.")

# ---------------------------------------------------------------- rules of one row, beside their tables
def split_campuses(codes) -> set[str]:
    """Campus codes written as one text (« AGT, MSI »), as the co-carriers' column holds them."""
    return {c.strip() for c in str(codes or "").split(",") if c.strip()}


def joint_campuses(row: dict) -> set:
    """The campuses that carry an action: its own and the ones that carry it jointly."""
    return {row["campus_id"]} | split_campuses(row.get("co_campuses"))


# what an indicator's figures may be, unit by unit (None: no upper bound beyond the column's own): the importer's
# checks of values, targets and baselines, and the templates' ranges, read this
UNIT_RANGE = {"pourcentage": (0, 100), "oui_non": (0, 1), "nombre": (0, None), "euros": (0, None)}


def unit_problem(v, unit: str, indicator: str | None = None) -> str | None:
    """What is wrong with the figure `v` of an indicator measured in `unit` (None: it fits)."""
    if getattr(v, "yes_no", False) and unit != "oui_non":
        return (f"« {v!r} » est une réponse oui/non, mais l'indicateur{' ' + indicator if indicator else ''} se mesure "
                f"en {UNITS.get(unit, unit).lower()} : écrivez un nombre.")
    if unit == "oui_non":
        return None if v in (0, 1) else "Cet indicateur se renseigne par oui ou non."
    low, high = UNIT_RANGE.get(unit, (None, None))
    if unit == "pourcentage" and not low <= v <= high:
        return f"Un pourcentage est compris entre 0 et 100 (ici {v:g})."
    if low is not None and v < low:
        return f"La valeur ne peut pas être négative (ici {v:g})."
    return None


def _value_fits_unit(r: dict, known: dict) -> list:
    found = known["indicators"].get(r["indicator_id"])
    if found is None:
        return []
    campus, unit = found
    out = []
    if r["campus_id"] and campus != r["campus_id"]:
        out.append(("indicator_id", f"L'indicateur {r['indicator_id']} appartient au campus {campus}, pas à {r['campus_id']}."))
    for name in ("value", "target"):
        v = r[name]
        if v is None:
            continue
        if problem := unit_problem(v, unit, r["indicator_id"]):
            out.append((name, problem))
        elif unit == "oui_non" and name == "target" and v == 0:
            out.append((name, "La cible d'un indicateur oui/non est « oui » : écrivez oui, ou laissez la case vide."))
    return out


def _narrative_beyond_gap(r: dict, known: dict) -> list:
    """A value far from its target says why: the comment is required beyond the narrative gap (steering.py, read
    once per file by the validator into `known`)."""
    value, target = r["value"], r["target"]
    if value is None or target is None or r["comment"] or not target:
        return []
    gap = known.get("narrative_gap", NARRATIVE_GAP)
    away = abs(value - target) / abs(target)
    if away > gap:
        french = lambda x: f"{x:g}".replace(".", ",")  # noqa: E731
        return [("comment", f"La valeur ({french(value)}) s'écarte de {away:.0%} de sa cible ({french(target)}), plus "
                            f"que les {gap:.0%} admis : dites pourquoi dans « Commentaire » (le récit que lira le "
                            "comité).".replace("%", "\u00a0%"))]
    return []


def _baseline_fits_unit(r: dict, known: dict) -> list:
    v, unit = r["baseline_value"], r["unit"]
    if v is None:
        return [("baseline_year", "Une année de référence sans valeur de référence : renseignez les deux ou aucune.")] \
            if r["baseline_year"] is not None else []
    if problem := unit_problem(v, unit):
        return [("baseline_value", problem)]
    if r["baseline_year"] is None:
        return [("baseline_year", "Indiquez l'année de la valeur de référence.")]
    return []


def _action_of_campus(r: dict, known: dict) -> list:
    carriers = known["actions"].get(r["action_id"])
    if carriers is not None and r["campus_id"] and r["campus_id"] not in carriers:
        return [("action_id", f"L'action {r['action_id']} n'est pas portée par le campus {r['campus_id']}.")]
    return []


def _objective_of_campus(r: dict, known: dict) -> list:
    found = known["objectives"].get(r["objective_id"])
    if found is not None and found[0] != r["campus_id"]:
        return [("objective_id", f"L'objectif {r['objective_id']} appartient à un autre campus.")]
    return []


def _women_within_count(r: dict, known: dict) -> list:
    if r["count"] is not None and r["women"] is not None and r["women"] > r["count"]:
        return [("women", f"Le nombre de femmes ({r['women']}) dépasse le nombre total ({r['count']}).")]
    return []


def _dates_in_order(r: dict, known: dict) -> list:
    if r["start_date"] and r["end_date"] and r["end_date"] < r["start_date"]:
        return [("end_date", "La date de fin précède la date de début.")]
    return []


def _campus_or_region(r: dict, known: dict) -> list:
    if r["campus_id"] and r["region"]:
        return [("region", "Un jalon de campus est de la région de son campus : laissez « Région » vide (ou videz le code "
                           "campus pour un jalon de toute la région).")]
    return []


def _joint_campuses_exist(r: dict, known: dict) -> list:
    return [("co_campuses", f"Le campus associé « {code} » n'existe pas.")
            for code in sorted(joint_campuses({**r, "campus_id": None}) - {None}) if code not in known["campuses"]]


def _parent_fits_level(r: dict, known: dict) -> list:
    out = []
    if r["level"] == "strategique" and r["parent_id"]:
        out.append(("parent_id", "Un objectif stratégique n'a pas d'objectif parent : laissez la case vide."))
    if r["level"] in ("operationnel", "realisation") and not r["parent_id"]:
        out.append(("parent_id", "Indiquez l'objectif parent (un objectif stratégique ou opérationnel)."))
    parent = known["objectives"].get(r["parent_id"]) if r["parent_id"] else None
    if parent and parent[0] != r["campus_id"]:
        out.append(("parent_id", f"L'objectif parent {r['parent_id']} appartient au campus {parent[0]}."))
    if r["parent_id"] and r["parent_id"] == r["objective_id"]:
        out.append(("parent_id", "Un objectif ne peut pas être son propre parent."))
    return out


TABLES: dict[str, Table] = {}


def _table(*args, **kw) -> Table:
    t = Table(*args, **kw)
    TABLES[t.name] = t
    return t


_table(
    "campuses", "Campus", "reference",
    (
        _c("campus_id", "text", "Code campus", required=True, help="Code court, lettres majuscules, par exemple AGT."),
        _c("name", "text", "Nom", required=True),
        _c("region", "text", "Région", required=True, choices=REGIONS),
        _c("academie", "text", "Académie", help="Académie du siège du campus."),
        _c("sector", "text", "Filière", required=True, choices=SECTORS, help="Une des 12 filières nationales."),
        _c("label", "text", "Label", required=True, choices=LABELS),
        _c("labelled_year", "int", "Année de labellisation", min=2013, max=2100),
        _c("carrier", "text", "Structure porteuse"),
        _c("carrier_type", "text", "Type de structure porteuse", choices=CARRIER_TYPES),
        _c("city", "text", "Ville"),
        _c("latitude", "float", "Latitude", min=-90, max=90),
        _c("longitude", "float", "Longitude", min=-180, max=180),
        SOURCE,
    ),
    key=("campus_id",),
    description="Les campus, leur filière, leur label et leur structure porteuse.",
)
_table(
    "objectives", "Objectifs", "reference",
    (
        _c("objective_id", "text", "Identifiant objectif", required=True),
        CAMPUS,
        _c("parent_id", "text", "Objectif parent", ref=("objectives", "objective_id"),
           help="Vide pour un objectif stratégique."),
        _c("level", "text", "Niveau", required=True, choices=LEVELS),
        _c("title", "text", "Intitulé", required=True),
        _c("position", "int", "Ordre", min=0),
        SOURCE,
    ),
    key=("objective_id",),
    description="L'arbre d'objectifs de chaque campus : stratégiques, opérationnels, réalisations.",
    known_as=lambda r: (r["campus_id"], r["level"]),
    rules=(_parent_fits_level,),
)
_table(
    "indicators", "Indicateurs", "reference",
    (
        _c("indicator_id", "text", "Identifiant indicateur", required=True),
        CAMPUS,
        _c("objective_id", "text", "Identifiant objectif", required=True, ref=("objectives", "objective_id")),
        _c("name", "text", "Intitulé", required=True),
        _c("unit", "text", "Unité", required=True, choices=UNITS),
        _c("direction", "text", "Sens", required=True, choices=DIRECTIONS),
        _c("cumulative", "bool", "Cumulatif", required=True,
           help="oui si les valeurs et les cibles s'additionnent d'une année à l'autre (on lit leur cumul), non si "
                "chaque année se lit seule."),
        _c("baseline_value", "float", "Valeur de référence", yes_no=True,
           help="Où le campus partait (situation de départ), dans l'unité de l'indicateur."),
        _c("baseline_year", "int", "Année de référence", min=2000, max=2100, years_ahead=10,
           help="L'année de la valeur de référence."),
        SOURCE,
    ),
    key=("indicator_id",),
    description="Les indicateurs rattachés aux objectifs, avec leur situation de départ.",
    known_as=lambda r: (r["campus_id"], r["unit"]),
    rules=(_objective_of_campus, _baseline_fits_unit),
)
_table(
    "criteria", "Critères de labellisation", "reference",
    (
        _c("criterion_no", "int", "Numéro du critère", required=True, min=1, max=11),
        _c("title", "text", "Intitulé", required=True),
        _c("description", "text", "Description"),
        _c("excellence_requirement", "text", "Exigence de la catégorie Excellence"),
        SOURCE,
    ),
    key=("criterion_no",),
    campus_column=None,
    description="Les 11 critères du cahier des charges 2018.",
)
_table(
    "partners", "Partenaires", "reference",
    (
        _c("partner_id", "text", "Identifiant partenaire", required=True),
        _c("name", "text", "Nom", required=True),
        _c("partner_type", "text", "Type", required=True, choices=PARTNER_TYPES),
        _c("city", "text", "Ville"),
        SOURCE,
    ),
    key=("partner_id",),
    campus_column=None,
    description="Établissements, entreprises, branches, institutions et plates-formes partenaires.",
)
_table(
    "campus_partners", "Partenaires des campus", "reference",
    (
        CAMPUS,
        _c("partner_id", "text", "Identifiant partenaire", required=True, ref=("partners", "partner_id")),
        _c("role", "text", "Rôle"),
        SOURCE,
    ),
    key=("campus_id", "partner_id"),
    description="Quel partenaire travaille avec quel campus, et à quel titre.",
)
_table(
    "indicator_values", "Valeurs des indicateurs", "fact",
    (
        CAMPUS,
        _c("indicator_id", "text", "Identifiant indicateur", required=True, ref=("indicators", "indicator_id")),
        YEAR,
        _c("value", "float", "Valeur", help="Laisser vide si la valeur n'est pas connue.", yes_no=True),
        _c("target", "float", "Cible", yes_no=True,
           help="Ce que le campus vise pour cette année (pour un indicateur oui/non : oui). Une cible se renseigne "
                "aussi pour une année à venir, valeur vide."),
        _c("comment", "text", "Commentaire",
           help="Le récit : pourquoi la valeur est ce qu'elle est. Obligatoire quand elle s'écarte de sa cible de "
                "plus de l'écart fixé (20 % sauf réglage CMQ_NARRATIVE_GAP)."),
        SOURCE,
    ),
    key=("indicator_id", "year"),
    description="La valeur, la cible et le récit de chaque indicateur, par année.",
    fill_columns=("value", "target", "comment"),
    rules=(_value_fits_unit, _narrative_beyond_gap),
)
_table(
    "actions", "Actions", "fact",
    (
        CAMPUS,
        _c("action_id", "text", "Identifiant action", required=True),
        _c("title", "text", "Intitulé", required=True),
        _c("status", "text", "Statut", required=True, choices=STATUSES),
        _c("start_date", "date", "Date de début"),
        _c("end_date", "date", "Date de fin"),
        YEAR,
        _c("description", "text", "Description"),
        _c("co_campuses", "text", "Campus associés",
           help="Codes des autres campus qui portent l'action avec celui-ci, séparés par des virgules."),
        SOURCE,
    ),
    key=("action_id",),
    description="Les actions menées par les campus, avec leur statut.",
    co_campus_column="co_campuses",
    known_as=joint_campuses,
    rules=(_dates_in_order, _joint_campuses_exist),
)
_table(
    "action_objectives", "Actions × objectifs", "fact",
    (
        CAMPUS,
        _c("action_id", "text", "Identifiant action", required=True, ref=("actions", "action_id")),
        _c("objective_id", "text", "Identifiant objectif", required=True, ref=("objectives", "objective_id")),
        SOURCE,
    ),
    key=("action_id", "objective_id"),
    description="À quels objectifs chaque action répond.",
    rules=(_objective_of_campus, _action_of_campus),
)
_table(
    "reach", "Publics touchés", "fact",
    (
        CAMPUS,
        _c("action_id", "text", "Identifiant action", required=True, ref=("actions", "action_id")),
        YEAR,
        _c("audience", "text", "Public", required=True, choices=AUDIENCES),
        _c("detail", "text", "Précision du public", default="",
           help="Pour donner à part plusieurs chiffres d'un même public (« CFA », « lycées professionnels »). "
                "Vide : un seul chiffre pour ce public."),
        _c("count", "int", "Nombre", required=True, min=0, max=PEOPLE_MAX),
        _c("women", "int", "Dont femmes", min=0, max=PEOPLE_MAX),
        _c("approximate", "bool", "Ordre de grandeur", help="oui si le rapport donne un ordre de grandeur (« une cinquantaine »)."),
        _c("comment", "text", "Commentaire"),
        SOURCE,
    ),
    key=("campus_id", "action_id", "year", "audience", "detail"),
    description="Combien de personnes ou de structures chaque action a touchées, par public.",
    rules=(_women_within_count, _action_of_campus),
)
_table(
    "funding", "Financements", "fact",
    (
        CAMPUS,
        _c("funder", "text", "Financeur", required=True),
        YEAR,
        _c("programme", "text", "Programme", required=True),
        _c("funder_type", "text", "Type de financeur", required=True, choices=FUNDER_TYPES),
        _c("amount_eur", "float", "Montant (€)", min=0, max=EUROS_MAX, help="Laisser vide si le montant n'est pas connu : jamais 0."),
        _c("kind", "text", "Nature", required=True, choices=FUNDING_KINDS),
        _c("status", "text", "Statut", required=True, choices=FUNDING_STATUSES),
        _c("comment", "text", "Commentaire"),
        SOURCE,
    ),
    key=("campus_id", "funder", "year", "programme"),
    description="Qui finance quel campus, combien, sous quelle forme.",
)
_table(
    "criteria_assessments", "Positionnement sur les critères", "fact",
    (
        CAMPUS,
        _c("criterion_no", "int", "Numéro du critère", required=True, ref=("criteria", "criterion_no"), min=1, max=11),
        YEAR,
        _c("level", "int", "Niveau", required=True, min=0, max=3,
           help="0 à engager, 1 en cours, 2 atteint, 3 au-delà."),
        _c("level_basis", "text", "Fondement du niveau", choices=LEVEL_BASES,
           help="enonce : le niveau est écrit tel quel par la source, ou déclaré par le campus ; interprete : il est "
                "déduit de son texte (dites comment dans le commentaire). Vide : enonce."),
        _c("comment", "text", "Commentaire"),
        SOURCE,
    ),
    key=("campus_id", "criterion_no", "year"),
    description="Le niveau de chaque campus sur chacun des 11 critères de labellisation.",
    fill_columns=("level", "level_basis", "comment"),
)

_table(
    "milestones", "Jalons de gouvernance", "fact",
    (
        _c("milestone_id", "text", "Identifiant jalon", required=True, help="Par exemple REG-COPIL-2018-04."),
        _c("campus_id", "text", "Code campus", ref=("campuses", "campus_id"),
           help="Vide : un jalon de toute une région (un administrateur de la région l'importe)."),
        _c("region", "text", "Région", choices=REGIONS,
           help="Pour un jalon de toute une région (code campus vide) : la région. Vide pour un jalon de campus."),
        _c("start_date", "date", "Date", required=True,
           help="Le jour ; pour un mois ou une période, son premier jour (dites-le dans « Date écrite »)."),
        _c("end_date", "date", "Date de fin", help="Pour une période (« entre septembre 2017 et janvier 2018 »)."),
        _c("date_text", "text", "Date écrite",
           help="Quand la source ne donne pas le jour : la date telle qu'elle l'écrit (« mi-janvier 2018 »)."),
        _c("milestone_kind", "text", "Nature du jalon", required=True, choices=MILESTONE_KINDS),
        _c("milestone_status", "text", "Statut du jalon", required=True, choices=MILESTONE_STATUSES),
        _c("title", "text", "Intitulé", required=True),
        _c("place", "text", "Lieu"),
        _c("comment", "text", "Commentaire"),
        SOURCE,
    ),
    key=("milestone_id",),
    region_column="region",
    description="Les dates de la gouvernance : labellisation, recrutements, comités, instances, pour un campus ou la région.",
    rules=(_dates_in_order, _campus_or_region),
)

# The order in which tables can be loaded (references first).
LOAD_ORDER = (
    "campuses", "criteria", "partners", "objectives", "indicators", "campus_partners",
    "actions", "action_objectives", "indicator_values", "reach", "funding", "criteria_assessments", "milestones",
)
assert set(LOAD_ORDER) == set(TABLES)

BATCH_COLUMNS = (
    ("batch_id", "int"), ("table_name", "text"), ("campus_id", "text"), ("file_name", "text"),
    ("sha256", "text"), ("rows", "int"), ("inserted", "int"), ("updated", "int"), ("unchanged", "int"),
    ("user_name", "text"), ("committed_at", "text"),
    ("region", "text"),  # the one region a batch's rows concern (several campuses of it, its committee's milestones)
)
HEADERS = {c.name: c.header for t in TABLES.values() for c in t.columns}
DEFAULTS = {c.name: c.default for t in TABLES.values() for c in t.columns if c.default is not None}
REVERT_COLUMNS = (("batch_id", "int"), ("reverted_at", "text"), ("reverted_by", "text"))


def table(name: str) -> Table:
    """The table called `name`, or a French error."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"Table inconnue : « {name} ». Tables possibles : {', '.join(TABLES)}.") from None


def column_label(name: str) -> str:
    """The French header of a column: the contract's, else the vocabulary's; the name itself when neither has one."""
    return HEADERS.get(name) or COLUMNS.get(name, name)


def choice_codes(col: Column) -> tuple[str, ...]:
    if col.choices is None:
        return ()
    return tuple(col.choices.keys()) if isinstance(col.choices, dict) else tuple(col.choices)


def choice_label(col: Column, code: str) -> str:
    if isinstance(col.choices, dict):
        return col.choices.get(code, code)
    return code
