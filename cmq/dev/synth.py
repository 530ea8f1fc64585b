"""A synthetic store at national scale, written through the store's commit path (for benchmarks and readability checks).

Shapes follow the 2018 report, scaled: objective trees of 3 levels, 50–150 indicators per campus, about 100 actions
per campus-year linked to 1–2 objectives, reach per action × audience, funding per funder-year, 11 criteria a year.
Every figure is random (seeded): nothing here is demo data.
"""
from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cmq.core import auth, schema
from cmq.core.store import Store

# how many campuses each region holds, in proportion (France's spread: Auvergne-Rhône-Alpes the most, a handful
# overseas); every region has at least one campus once the store holds 18 or more
REGION_WEIGHTS = dict(zip(schema.REGIONS, (16, 7, 8, 7, 2, 11, 11, 10, 8, 12, 12, 8, 9, 2, 2, 1, 3, 1), strict=True))
# a point inside each region (overseas: their own coordinates, off the map of metropolitan France)
REGION_POINTS = dict(zip(schema.REGIONS, ((45.5, 4.5), (47.2, 5.0), (48.1, -2.8), (47.5, 1.7), (42.2, 9.1),
                                          (48.6, 6.2), (50.2, 2.8), (48.8, 2.4), (49.1, 0.1), (45.2, 0.3),
                                          (43.7, 2.2), (47.4, -0.8), (43.9, 6.1), (16.2, -61.6), (14.6, -61.0),
                                          (4.9, -52.3), (-21.1, 55.5), (-12.8, 45.2)), strict=True))
DIRECTOR = "directeur-synthetique"  # the director of the first campus of the largest region (no password)


def regional(region: str) -> tuple[str, str]:
    """The synthetic store's administrator and reader of `region`: « admin-auvergne-rhone-alpes », « lecteur-… »."""
    import unicodedata

    slug = "".join(c for c in unicodedata.normalize("NFKD", region.lower()) if c.isascii() and (c.isalnum() or c == " "))
    slug = "-".join(slug.replace("'", " ").split())
    return f"admin-{slug}", f"lecteur-{slug}"


def spread(n: int, rng: np.random.Generator) -> list[str]:
    """The regions of n campuses, as REGION_WEIGHTS spreads them: each region its share (every one at least a campus
    from 18 on), the rest drawn by weight."""
    weights = np.array(list(REGION_WEIGHTS.values()), dtype=float)
    share = np.floor(weights / weights.sum() * n).astype(int)
    if n >= len(weights):
        share = np.maximum(share, 1)
    regions = [r for r, k in zip(REGION_WEIGHTS, share) for _ in range(k)][:n]
    regions += list(rng.choice(list(REGION_WEIGHTS), n - len(regions), p=weights / weights.sum()))
    return list(rng.permutation(regions))
FUNDERS = [("Région", "region"), ("Rectorat", "etat"), ("DRAAF", "etat"), ("Fonds social européen", "europe"),
           ("Métropole", "collectivite"), ("Département", "collectivite"), ("Branche professionnelle", "entreprise"),
           ("Entreprises mécènes", "entreprise"), ("Programme d'investissements d'avenir", "etat"),
           ("Chambre de commerce", "autre")]
USER = "generateur"  # an administrator account with no password: it writes, nobody logs in with it


@dataclass
class Size:
    campuses: int = 200
    years: int = 10
    first_year: int = 2017

    @property
    def year_list(self) -> list[int]:
        return list(range(self.first_year, self.first_year + self.years))


NATIONAL = Size(200, 10)


def campus_codes(n: int) -> list[str]:
    """Four-letter codes ZAAA, ZAAB, … (Z first: never one of the demo's codes)."""
    letters = string.ascii_uppercase
    return ["Z" + letters[i // 676 % 26] + letters[i // 26 % 26] + letters[i % 26] for i in range(n)]


def reference_tables(size: Size, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Campuses, objective trees, indicators, criteria and partners."""
    codes = campus_codes(size.campuses)
    n = len(codes)
    regions = spread(n, rng)
    points = np.array([REGION_POINTS[r] for r in regions])
    campuses = pd.DataFrame({
        "campus_id": codes, "name": [f"Campus synthétique {c}" for c in codes],
        "region": regions, "sector": rng.choice(schema.SECTORS, n),
        "label": rng.choice(list(schema.LABELS), n, p=[0.7, 0.3]), "labelled_year": rng.integers(2014, 2024, n),
        "carrier": [f"Lycée porteur {c}" for c in codes], "carrier_type": rng.choice(list(schema.CARRIER_TYPES), n),
        "city": [f"Ville {c}" for c in codes], "latitude": points[:, 0] + rng.uniform(-0.8, 0.8, n),
        "longitude": points[:, 1] + rng.uniform(-1.0, 1.0, n),
        "source": "synthétique",
    })
    objectives, indicators = [], []
    for c in codes:
        for s in range(1, rng.integers(4, 8) + 1):
            sid = f"{c}-S{s}"
            objectives.append((sid, c, None, "strategique", f"Objectif stratégique {s} de {c}", s))
            for o in range(1, rng.integers(2, 4) + 1):
                oid = f"{sid}-O{o}"
                objectives.append((oid, c, sid, "operationnel", f"Objectif opérationnel {s}.{o}", o))
                for r in range(1, rng.integers(1, 4) + 1):
                    objectives.append((f"{oid}-R{r}", c, oid, "realisation", f"Réalisation {s}.{o}.{r}", r))
        leaves = [o[0] for o in objectives if o[1] == c and o[3] == "realisation"]
        for i in range(1, rng.integers(50, 151) + 1):
            indicators.append((f"{c}-I{i:03d}", c, leaves[i % len(leaves)], f"Indicateur {i} de {c}",
                               "nombre" if i % 5 else "pourcentage", "hausse", bool(i % 3 == 0)))
    objectives = pd.DataFrame(objectives, columns=["objective_id", "campus_id", "parent_id", "level", "title", "position"])
    indicators = pd.DataFrame(indicators, columns=["indicator_id", "campus_id", "objective_id", "name", "unit", "direction",
                                                   "cumulative"])
    with_baseline = rng.random(len(indicators)) < 0.6  # most indicators say where the campus started
    indicators["baseline_value"] = np.where(with_baseline, rng.integers(0, 100, len(indicators)).astype(float), np.nan)
    indicators["baseline_year"] = pd.Series(2016, index=indicators.index, dtype="Int64").where(with_baseline)
    criteria = pd.DataFrame({"criterion_no": range(1, 12), "title": [f"Critère {i}" for i in range(1, 12)]})
    partners = pd.DataFrame({"partner_id": [f"P{i:05d}" for i in range(n * 10)], "name": [f"Partenaire {i}" for i in range(n * 10)],
                             "partner_type": rng.choice(list(schema.PARTNER_TYPES), n * 10)})
    campus_partners = pd.DataFrame({"campus_id": np.repeat(codes, 10), "partner_id": partners["partner_id"]})
    return {"campuses": campuses, "objectives": objectives, "indicators": indicators, "criteria": criteria,
            "partners": partners, "campus_partners": campus_partners,
            "associate_of": dict(zip(codes, codes[1:] + codes[:1])) if n > 1 else {}}


def year_tables(ref: dict, campus: str, year: int, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """The facts one campus would upload for one year."""
    inds = ref["indicators_by_campus"][campus]
    present = rng.random(len(inds)) < 0.8
    values = pd.DataFrame({"campus_id": campus, "indicator_id": inds, "year": year,
                           "value": np.where(present, rng.integers(0, 500, len(inds)).astype(float), np.nan),
                           "target": np.where(rng.random(len(inds)) < 0.5, rng.integers(50, 400, len(inds)).astype(float), np.nan)})
    n = int(rng.integers(80, 121))
    ids = [f"{campus}-{year}-A{i:03d}" for i in range(n)]
    start = pd.Timestamp(year, 1, 1) + pd.to_timedelta(rng.integers(0, 330, n), unit="D")
    dated = rng.random(n) < 0.3
    actions = pd.DataFrame({
        "campus_id": campus, "action_id": ids, "title": [f"Action {i} de {campus} en {year}" for i in range(n)],
        "status": rng.choice(list(schema.STATUSES), n, p=[0.2, 0.3, 0.5]),
        "start_date": pd.Series(start.date).where(dated, None),
        "end_date": pd.Series((start + pd.to_timedelta(rng.integers(0, 60, n), unit="D")).date).where(dated, None),
        "year": year,
    })
    # about one action in twenty is joint with the next campus, which reports the same reach figures (counted once)
    associate = ref["associate_of"].get(campus)
    joint = (rng.random(n) < 0.05) & (associate is not None)
    actions["co_campuses"] = pd.Series(np.where(joint, associate, None), dtype=object)
    objs = ref["objectives_by_campus"][campus]
    links = pd.DataFrame({"campus_id": campus, "action_id": ids, "objective_id": rng.choice(objs, n)})
    extra = links.sample(frac=0.5, random_state=int(rng.integers(1 << 30))).assign(objective_id=lambda d: rng.choice(objs, len(d)))
    links = pd.concat([links, extra]).drop_duplicates(["action_id", "objective_id"])
    k = rng.integers(1, 4, n)
    audiences = list(schema.AUDIENCES)
    reach = pd.DataFrame({"campus_id": campus, "action_id": np.repeat(ids, k), "year": year,
                          "audience": [a for m in k for a in rng.choice(audiences, m, replace=False)]})
    reach["count"] = rng.integers(1, 300, len(reach))
    reach["women"] = np.where(rng.random(len(reach)) < 0.4, (reach["count"] * rng.random(len(reach))).astype(int), None)
    shared = reach[reach["action_id"].isin(actions["action_id"][joint])].assign(campus_id=associate)
    reach = pd.concat([reach, shared], ignore_index=True)
    f = rng.choice(len(FUNDERS), int(rng.integers(4, 9)), replace=False)
    funding = pd.DataFrame({"campus_id": campus, "funder": [FUNDERS[i][0] for i in f], "year": year,
                            "programme": "Fonctionnement", "funder_type": [FUNDERS[i][1] for i in f]})
    funding["amount_eur"] = np.where(rng.random(len(f)) < 0.75, rng.integers(1, 60, len(f)) * 1000.0, np.nan)
    funding["kind"] = rng.choice(list(schema.FUNDING_KINDS), len(f), p=[0.7, 0.2, 0.1])
    funding["status"] = rng.choice(list(schema.FUNDING_STATUSES), len(f), p=[0.7, 0.2, 0.1])
    criteria = pd.DataFrame({"campus_id": campus, "criterion_no": range(1, 12), "year": year, "level": rng.integers(0, 4, 11)})
    return {"indicator_values": values, "actions": actions, "action_objectives": links, "reach": reach,
            "funding": funding, "criteria_assessments": criteria}


def generate(store: Store, size: Size = NATIONAL, *, seed: int = 2018, batches: str = "upload") -> dict:
    """Fill an empty store. batches="upload": one batch per campus × year × table, as directors would upload;
    "table": one batch per table (quick, for looking at charts at scale). Returns row counts per table."""
    rng = np.random.default_rng(seed)
    store.put_account(auth.new_account(USER, "admin", national=True), replace=True)
    ref = reference_tables(size, rng)
    counts = {}
    for name in ("campuses", "criteria", "partners", "objectives", "indicators", "campus_partners"):
        store.commit(name, ref[name], file_name=f"{name}.csv", user=USER)
        counts[name] = len(ref[name])
    for region in sorted(set(ref["campuses"]["region"])):  # each region steered by its own administrator and readers
        admin, reader = regional(region)
        store.put_account(auth.new_account(admin, "admin", regions=[region]), replace=True)
        store.put_account(auth.new_account(reader, "lecteur", regions=[region]), replace=True)
    largest = ref["campuses"]["region"].value_counts().index[0]
    first = ref["campuses"].loc[ref["campuses"]["region"] == largest, "campus_id"].min()
    store.put_account(auth.new_account(DIRECTOR, "directeur", [first]), replace=True)
    ref["indicators_by_campus"] = ref["indicators"].groupby("campus_id")["indicator_id"].apply(list).to_dict()
    ref["objectives_by_campus"] = ref["objectives"].groupby("campus_id")["objective_id"].apply(list).to_dict()
    pending: dict[str, list] = {}
    for campus in ref["campuses"]["campus_id"]:
        for year in size.year_list:
            for name, df in year_tables(ref, campus, year, rng).items():
                counts[name] = counts.get(name, 0) + len(df)
                if batches == "upload":
                    store.commit(name, df, file_name=f"{name}_{campus}_{year}.csv", user=USER, campus_id=campus)
                else:
                    pending.setdefault(name, []).append(df)
    for name, parts in pending.items():
        store.commit(name, pd.concat(parts, ignore_index=True), file_name=f"{name}.csv", user=USER)
    return counts


def import_csv(store: Store, rows: int = 100_000, seed: int = 7, last_year: int = 2036) -> bytes:
    """A French Excel CSV (cp1252, `;`, decimal comma) of indicator values for the store's indicators, for the years
    up to `last_year` that make `rows` rows (figures drawn from `seed`)."""
    inds = store.read("select campus_id, indicator_id, unit from indicators order by indicator_id")
    first = max(2000, last_year - rows // max(len(inds), 1) - 1)  # small stores give fewer rows
    years = list(range(first, last_year + 1))
    df = pd.concat([inds.assign(year=y) for y in years], ignore_index=True).head(rows)
    rng = np.random.default_rng(seed)
    df["value"] = rng.integers(0, 1000, len(df)) / 10
    df.loc[df["unit"] == "oui_non", "value"] = rng.integers(0, 2, int((df["unit"] == "oui_non").sum()))
    df["target"] = np.where((rng.random(len(df)) < 0.3) & (df["unit"] != "oui_non"), 50.0, np.nan)  # yes/no: no figure
    df["comment"] = rng.choice(["Donnée consolidée", "À vérifier (été)", "Réalisé à 80 %", ""], len(df))
    far = df["target"].notna() & ((df["value"] - df["target"]).abs() > 0.2 * df["target"])
    df.loc[far & (df["comment"] == ""), "comment"] = "Écart expliqué en comité"  # the narrative a gap requires
    headers = {"campus_id": "Code campus", "indicator_id": "Identifiant indicateur", "year": "Année", "value": "Valeur",
               "target": "Cible", "comment": "Commentaire"}
    return (df.drop(columns="unit").rename(columns=headers)
            .to_csv(sep=";", decimal=",", index=False).encode("cp1252"))
