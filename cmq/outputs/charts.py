"""Pure functions DataFrame → plotly Figure, in French, with one colour-blind-safe palette."""
from __future__ import annotations

import json
import math
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cmq import ROOT
from cmq.core import fmt, schema, vocabulary
from cmq.outputs import palette

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
FONT = dict(family="DejaVu Sans, Arial, sans-serif", size=13)
MIN_TEXT = 12  # px: no chart text is smaller (the meeting pack lays its pictures out so that 12 px prints at 9 pt)


def _layout(fig: go.Figure, title: str, x_title: str | None = None, y_title: str | None = None,
            height: int | None = None) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left"),
        separators=fmt.PLOTLY_SEPARATORS,
        font=FONT,
        template="plotly_white",
        colorway=palette.PALETTE,
        margin=dict(l=10, r=20, t=60, b=40),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0, title=None),
        height=height,
        uniformtext=dict(minsize=MIN_TEXT, mode="hide"),  # a bar's label that would not fit at this size is left out
    )
    fig.update_xaxes(title_text=x_title, automargin=True, tickformat=",~f")
    fig.update_yaxes(title_text=y_title, automargin=True)
    return fig


def empty(title: str, message: str) -> go.Figure:
    """A figure that says what is missing instead of showing blank axes."""
    fig = go.Figure()
    fig.add_annotation(text=_wrap(message, 44), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font=dict(size=14))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, height=260)


def _note(fig: go.Figure, text: str) -> None:
    """A line of text under the plot (what a crowded chart leaves out and how to see it)."""
    fig.add_annotation(text=text, showarrow=False, xref="paper", yref="paper", x=0, y=1.0, xanchor="left",
                       yanchor="bottom", yshift=2, font=dict(size=MIN_TEXT, color="#555555"))


def _legend_below(fig: go.Figure) -> go.Figure:
    """A horizontal legend under the plot: long legends wrap there instead of running into the title."""
    height = fig.layout.height or 450
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-90 / max(height - 130, 100), x=0, traceorder="normal"))
    return fig


def _every_label(fig: go.Figure, categories: list, axis: str = "y") -> None:
    """Every category named on its axis: plotly skips labels when a narrow screen crowds them (a phone)."""
    fig.update_layout({f"{axis}axis": dict(tickmode="array", tickvals=list(categories), ticktext=list(categories))})


def relayout_legend(fig: go.Figure) -> go.Figure:
    """After a change of height (an export's 16:9 size), put a legend that sits under the plot back under it."""
    if fig.layout.legend.y is not None and fig.layout.legend.y < -0.05:
        _legend_below(fig)
    return fig


MAX_ROWS = 30  # campuses (or actions) one bar chart shows before it keeps only the largest


REACHED = "Personnes ou structures"  # touched; an audience of structures counts structures, never people


def reach_by_audience(df: pd.DataFrame, title: str) -> go.Figure:
    """Horizontal bars: people and structures reached per audience."""
    if df.empty:
        return empty(title, "Aucun public touché n'est renseigné pour cette sélection.")
    d = df.copy()
    d["label"] = d["audience"].map(lambda a: _wrap(vocabulary.audience_label(a), 26))  # a narrow column keeps its bars
    d = d.sort_values("reached")
    text = [("≈ " if est else "") + fmt.number(v) for v, est in zip(d["reached"], d["includes_estimates"])]
    fig = go.Figure(go.Bar(
        x=d["reached"], y=d["label"], orientation="h", marker_color=palette.PALETTE[0], text=text, textposition="outside",
        cliponaxis=False, customdata=d[["actions"]],
        hovertemplate="%{y} : %{x:,} touchés<br>%{customdata[0]} action(s)<extra></extra>",
    ))
    fig = _layout(fig, title, x_title=REACHED, y_title=None, height=max(260, 60 + 40 * len(d)))
    fig.update_xaxes(range=[0, float(d["reached"].max()) * 1.3 or 1])  # room for the figures beside the bars
    if d["includes_estimates"].any():
        fig.add_annotation(text="≈ : ordre de grandeur (« une cinquantaine »)", showarrow=False,
                           xref="paper", yref="paper", x=1, y=1.02, xanchor="right", yanchor="bottom", font=dict(size=MIN_TEXT))
    return fig


def actions_by_status(df: pd.DataFrame, title: str) -> go.Figure:
    """Stacked horizontal bars: actions of each campus by status."""
    if df.empty:
        return empty(title, "Aucune action n'est renseignée pour cette sélection.")
    totals = df.groupby("campus_id")["actions"].sum().sort_values(ascending=False)
    campuses = sorted(totals.index[:MAX_ROWS], reverse=True)
    fig = go.Figure()
    for status in palette.STATUS_COLOURS:  # finished first
        part = df[df["status"] == status].set_index("campus_id")["actions"].reindex(campuses).fillna(0)
        fig.add_trace(go.Bar(
            x=part.values, y=campuses, orientation="h", name=schema.STATUSES[status],
            marker_color=palette.STATUS_COLOURS[status], text=[fmt.number(v) if v else "" for v in part.values],
            textposition="inside", textangle=0,
            hovertemplate="%{y} : %{x} action(s) " + schema.STATUSES[status].lower() + "<extra></extra>",
        ))
    fig.update_layout(barmode="stack")
    fig = _layout(fig, title, x_title="Nombre d'actions", y_title="Campus", height=max(300, 150 + 30 * len(campuses)))
    _every_label(fig, campuses)
    if len(totals) > MAX_ROWS:
        _note(fig, f"{MAX_ROWS} campus les plus actifs sur {len(totals)} : filtrez pour voir les autres.")
    return _legend_below(fig)  # on a phone a legend above wraps over the title


def funding_by_funder(df: pd.DataFrame, title: str, top: int = 12) -> go.Figure:
    """Horizontal bars of known amounts per funder; funders whose amount is unknown are named, not drawn as 0."""
    known = df[df["acquired_eur"].notna() | df["expected_eur"].notna()].copy()
    if known.empty:
        return empty(title, "Aucun montant connu pour cette sélection.")
    known["total"] = known["acquired_eur"].fillna(0) + known["expected_eur"].fillna(0)
    known = known.sort_values("total", ascending=False)
    if len(known) > top:
        rest = known.iloc[top:]
        known = pd.concat([known.iloc[:top], pd.DataFrame([{
            "funder": f"Autres ({len(rest)})", "acquired_eur": rest["acquired_eur"].sum(), "expected_eur": rest["expected_eur"].sum(),
        }])])
    known = known.iloc[::-1]
    fig = go.Figure()
    for col, name, colour in (("acquired_eur", "Acquis", palette.FUNDING_STATUS_COLOURS["acquis"]),
                              ("expected_eur", "Prévu ou demandé", palette.EXPECTED_COLOUR)):
        vals = known[col].fillna(0)
        if not vals.any():
            continue
        fig.add_trace(go.Bar(
            x=vals, y=known["funder"], orientation="h", name=name, marker_color=colour,
            text=[fmt.euros(v) if v else "" for v in vals], textposition="inside", insidetextanchor="middle",
            hovertemplate="%{y}<br>" + name + " : %{x:,.0f} €<extra></extra>",
        ))
    fig.update_layout(barmode="stack", bargap=0.35)
    fig = _layout(fig, title, x_title="Montant (€)", height=max(260, 90 + 36 * len(known)))
    fig.update_xaxes(nticks=5)
    return fig


def unknown_amounts(df: pd.DataFrame) -> str:
    """The funders with at least one amount not known, in words (shown beside the chart, never as 0)."""
    names = df[df["lines_amount_unknown"] > 0]["funder"].tolist()
    return ("Montant non renseigné pour : " + ", ".join(names) + ".") if names else ""


GEOJSON = ROOT / "data" / "reference" / "regions-france-simplifiees.geojson"
FRANCE = dict(lon=(-5.3, 9.8), lat=(41.2, 51.3))


@lru_cache(maxsize=1)
@lru_cache(maxsize=1)
def _region_outlines() -> tuple[np.ndarray, np.ndarray]:
    """All region borders as one line path (NaN separates rings), read once per process; in single precision (a
    metre on the ground), which plotly sends as two packed arrays instead of 20 000 numbers written out: the map is
    sent to every browser at every run of the page."""
    xs, ys = [], []
    for feat in json.loads(GEOJSON.read_text(encoding="utf-8"))["features"]:
        geom = feat["geometry"]
        polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        for poly in polygons:
            for ring in poly:
                xs += [p[0] for p in ring] + [math.nan]
                ys += [p[1] for p in ring] + [math.nan]
    return np.array(xs, dtype=np.float32), np.array(ys, dtype=np.float32)


def _spread(df: pd.DataFrame, step: float = 0.16) -> pd.DataFrame:
    """Campuses in the same city are set a little apart on a circle, so that every one stays visible."""
    d = df.copy()
    d["x"], d["y"] = d["longitude"].astype(float), d["latitude"].astype(float)
    for _, idx in d.groupby(["latitude", "longitude"]).groups.items():
        if len(idx) > 1:
            for k, i in enumerate(idx):
                angle = 2 * math.pi * k / len(idx)
                d.loc[i, "x"] += step * math.cos(angle) / math.cos(math.radians(d.loc[i, "y"]))
                d.loc[i, "y"] += step * math.sin(angle)
    return d


LABEL_PLACES = ("top center", "bottom center", "middle right", "middle left")


def _label_places(d: pd.DataFrame, near: float = 1.0) -> list[str]:
    """Where each campus's code goes around its bubble: above it, unless a campus less than `near` degrees away
    already has its code there (then below, right or left), so that close codes do not print over each other."""
    placed: list[tuple[float, float, str]] = []
    out = {}
    for i, x, y in sorted(zip(d.index, d["x"], d["y"]), key=lambda t: (t[1], t[2])):
        taken = {p for px, py, p in placed if abs(px - x) < near and abs(py - y) < near / 2}
        place = next((p for p in LABEL_PLACES if p not in taken), LABEL_PLACES[0])
        placed.append((x, y, place))
        out[i] = place
    return [out[i] for i in d.index]


def campus_map(df: pd.DataFrame, title: str) -> go.Figure:
    """The campuses on an outline of France's regions (no tile server), coloured by sector, sized by reach."""
    d = df.dropna(subset=["latitude", "longitude"])
    if d.empty:
        return empty(title, "Aucun campus de la sélection n'a de coordonnées (latitude et longitude de la table "
                            "Campus, que l'administrateur importe).")
    d = _spread(d)
    d["place"] = _label_places(d)
    xs, ys = _region_outlines()
    fig = go.Figure(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#8A8A8A", width=0.8), hoverinfo="skip",
                               showlegend=False))
    biggest = max(float(d["people_reached"].max()), 1.0)
    small, span = (14, 34) if len(d) <= 30 else (5, 14)
    d["size"] = [small + span * math.sqrt(float(v) / biggest) for v in d["people_reached"].fillna(0)]
    for i, (sector, part) in enumerate(d.groupby("sector", sort=True)):
        sizes = part["size"].tolist()
        fig.add_trace(go.Scatter(
            x=part["x"], y=part["y"], name=sector, mode="markers", text=part["campus_id"],
            marker=dict(size=sizes, color=palette.PALETTE[i % len(palette.PALETTE)], line=dict(color="white", width=1.5), opacity=0.9),
            customdata=part[["name", "city", "people_reached", "actions"]],
            hovertemplate="<b>%{text} – %{customdata[0]}</b><br>%{customdata[1]}<br>"
                          "%{customdata[2]:,} personnes touchées<br>%{customdata[3]} action(s)<extra>" + sector + "</extra>",
        ))
    if len(d) <= 30:  # the codes drawn last, over every bubble (a later sector's bubble hid an earlier one's code)
        fig.add_trace(go.Scatter(x=d["x"], y=d["y"], mode="markers+text", text=d["campus_id"],
                                 textposition=d["place"].tolist(), textfont=dict(size=MIN_TEXT), hoverinfo="skip",
                                 marker=dict(size=d["size"].tolist(), opacity=0), showlegend=False))  # beside its bubble
    pad = 1.2
    lon = (max(FRANCE["lon"][0], d["x"].min() - pad * 2), min(FRANCE["lon"][1], d["x"].max() + pad * 2))
    lat = (max(FRANCE["lat"][0], d["y"].min() - pad), min(FRANCE["lat"][1], d["y"].max() + pad))
    fig.update_xaxes(range=list(lon), visible=False)
    fig.update_yaxes(range=list(lat), visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(sum(lat) / 2)))
    fig.add_annotation(text="Fond : IGN / INSEE, via france-geojson · taille : personnes touchées", showarrow=False,
                       xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="bottom", font=dict(size=MIN_TEXT, color="#666"))
    fig = _layout(fig, title, height=520)
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.02, x=0), plot_bgcolor="white")
    return fig


@lru_cache(maxsize=1)
def _region_shapes() -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """Each region's outer rings (longitude, latitude), by the region's name, read once per process."""
    out: dict[str, list] = {}
    for feat in json.loads(GEOJSON.read_text(encoding="utf-8"))["features"]:
        geom = feat["geometry"]
        polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        out[feat["properties"]["nom"]] = [(np.array([p[0] for p in poly[0]], dtype=np.float32),
                                           np.array([p[1] for p in poly[0]], dtype=np.float32)) for poly in polygons]
    return out


def regions_overview(df: pd.DataFrame, title: str) -> go.Figure:
    """France's regions, each filled by the people its campuses reached (four shades of one blue, from the least to
    the most), its campuses and reach in the hover; the regions the map cannot draw (overseas) said below it."""
    if df.empty:
        return empty(title, "Aucun campus dans la sélection.")
    shapes = _region_shapes()
    d = df.copy()
    d["people"] = d["people_reached"].fillna(0).astype(float)
    top = max(float(d["people"].max()), 1.0)
    fig = go.Figure()
    for r in d.itertuples():
        shade = palette.CRITERION_COLOURS[1 + min(2, int(3 * r.people / top)) if r.people else 0]  # the palest: none
        for xs, ys in shapes.get(r.region, []):
            fig.add_trace(go.Scatter(
                x=xs, y=ys, mode="lines", fill="toself", fillcolor=shade, line=dict(color="#5A5A5A", width=0.8),
                name=r.region, showlegend=False, hoveron="fills",
                text=f"<b>{r.region}</b><br>{int(r.campuses)} campus · {fmt.number(r.people)} personnes touchées",
                hoverinfo="text"))
    xs, ys = _region_outlines()  # every region's border, those without a campus too
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#8A8A8A", width=0.6), hoverinfo="skip",
                             showlegend=False))
    fig.update_xaxes(range=list(FRANCE["lon"]), visible=False)
    fig.update_yaxes(range=list(FRANCE["lat"]), visible=False, scaleanchor="x",
                     scaleratio=1 / math.cos(math.radians(sum(FRANCE["lat"]) / 2)))
    away = [r for r in d["region"] if r not in shapes]
    note = "Couleur : personnes touchées (plus foncé : davantage ; le plus clair : rien de déclaré)"
    note += f" · hors carte : {', '.join(away)}" if away else ""
    fig.add_annotation(text=note, showarrow=False, xref="paper", yref="paper", x=0, y=0, xanchor="left",
                       yanchor="bottom", font=dict(size=MIN_TEXT, color="#555"))
    fig = _layout(fig, title, height=520)
    fig.update_layout(plot_bgcolor="white")
    return fig


def reach_by_campus_audience(df: pd.DataFrame, title: str, top: int = 25) -> go.Figure:
    """Stacked bars: what each campus reached, by audience; beyond `top` campuses the largest are shown, the rest named
    in a note (a bar of « others » would dwarf every campus)."""
    if df.empty:
        return empty(title, "Aucun public touché n'est renseigné pour cette sélection.")
    totals = df.groupby("campus_id")["reached"].sum().sort_values(ascending=False)
    order = list(totals.index[:top])[::-1]
    fig = go.Figure()
    for code in schema.AUDIENCES:
        label = vocabulary.audience_label(code)
        part = df[df["audience"] == code].set_index("campus_id")["reached"].reindex(order)
        if part.notna().any():
            fig.add_trace(go.Bar(x=part.fillna(0), y=order, orientation="h", name=label, marker_color=palette.AUDIENCE_COLOURS[code],
                                 hovertemplate="%{y} · " + label + " : %{x:,}<extra></extra>"))
    fig.update_layout(barmode="stack")
    # the legend under the plot takes a line per audience on a phone: the plot keeps its rows above it
    fig = _layout(fig, title, x_title=REACHED, y_title="Campus",
                  height=max(320, 150 + 28 * len(order)) + 18 * len(fig.data))
    _every_label(fig, order)
    if len(totals) > top:
        rest = totals.iloc[top:]
        _note(fig, f"Les {top} campus qui touchent le plus, sur {len(totals)} ; les {len(rest)} autres ont touché "
                   f"{fmt.number(rest.sum())} personnes ou structures : filtrez par filière ou campus.")
    return _legend_below(fig)


INDICATOR_STATUS = {code: (label, palette.STATUS_COLOUR[code]) for code, label in vocabulary.INDICATOR_STATUS.items()}
# objectives in warm neutrals, so that the indicator colours (green, vermillion, sky blue, grey) stand out
NO_TARGET_COLOUR, NO_TARGET = "#5B4636", "Objectif sans indicateur ciblé"  # an objective none of whose indicators has a target
LEVEL_NAMES = vocabulary.NODE_KINDS


TREE_DEPTH = 2  # levels the tree shows at once: the campus and its strategic objectives; a click opens a branch


def tree_counts(d: pd.DataFrame) -> dict[str, dict[str, int]]:
    """For each node: how many indicators lie under it, by status (an indicator counts for itself)."""
    children: dict[str, list[str]] = {}
    for node, parent in zip(d["node_id"], d["parent_id"]):
        if isinstance(parent, str):
            children.setdefault(parent, []).append(node)
    status = dict(zip(d["node_id"], d["status"]))
    counts: dict[str, dict[str, int]] = {}

    def count(node: str) -> dict[str, int]:
        if node not in counts:
            mine = dict.fromkeys(INDICATOR_STATUS, 0)
            if isinstance(status.get(node), str):
                mine[status[node]] += 1
            for child in children.get(node, []):
                for k, v in count(child).items():
                    mine[k] += v
            counts[node] = mine
        return counts[node]

    for node in d["node_id"]:
        count(node)
    return counts


def _tree_sizes(d: pd.DataFrame, counts: dict[str, dict[str, int]]) -> list[int]:
    """What each box adds to its parent's height (plotly's « remainder »): an indicator or an objective without any
    one; a strategic objective as much as it lacks to reach a tenth of the campus's indicators, so that a small
    branch keeps room for its words when the tree opens (its count is written in it, not read from its size)."""
    total = int((d["kind"] == "indicateur").sum())
    floor = max(1, -(-total // 10))
    parents = set(d["parent_id"].dropna())
    sizes = []
    for node, kind in zip(d["node_id"], d["kind"]):
        inside = sum(counts[node].values())
        if kind == "indicateur":
            sizes.append(1)
        elif kind == "strategique":
            sizes.append(max(0, floor - inside))
        else:
            sizes.append(0 if inside or node in parents else 1)
    return sizes




def _colours(value) -> list[str]:
    """The #RRGGBB colours of a marker's colour (one or a list; named or rgb() colours are not ours)."""
    values = value if isinstance(value, (list, tuple)) else [value]
    return [v for v in values if isinstance(v, str) and v.startswith("#") and len(v) in (4, 7)]


def outlined(fig: go.Figure) -> go.Figure:
    """Outline the bars, slices and markers whose fill is too light to stand out against the background, and mark the
    points of a line too light to: their colour is never the only way to tell them apart either (labels, legends and
    « Voir les données » say it too)."""
    for trace in fig.data:
        if trace.type not in ("bar", "pie", "scatter", "scattergeo", "scatterpolar", "funnel"):
            continue
        fills = _colours(trace.marker.color) + (_colours(trace.marker.colors) if trace.type == "pie" else [])
        if trace.type == "scatter" and "lines" in (trace.mode or "") and not fills:
            fills = _colours(trace.line.color)
            if any(palette.contrast(c, palette.BACKGROUND) < palette.MARKS_MIN for c in fills):
                trace.update(mode=trace.mode + "+markers" if "markers" not in trace.mode else trace.mode,
                             marker=dict(color=fills[0], size=8))
        if not fills or all(palette.contrast(c, palette.BACKGROUND) >= palette.MARKS_MIN for c in fills):
            continue
        line = trace.marker.line
        if line is not None and (line.width or 0) >= 1 and _colours(line.color) \
                and palette.contrast(_colours(line.color)[0], palette.BACKGROUND) >= palette.MARKS_MIN:
            continue
        trace.update(marker_line=dict(color=palette.OUTLINE, width=1))
    return fig


def _progress(c: dict[str, int]) -> str:
    """« 12 indicateurs · 3 renseignés · 1 cible atteinte », the words beside a node (never its colour alone)."""
    total = sum(c.values())
    if not total:
        return "aucun indicateur"
    filled = total - c["non_renseigne"]
    words = [f"{total} indicateur{'s' * (total > 1)}", f"{filled} renseigné{'s' * (filled > 1)}"]
    if c["atteint"] or c["en_bonne_voie"] or c["en_retard"]:
        words.append(f"{c['atteint']} cible{'s' * (c['atteint'] > 1)} atteinte{'s' * (c['atteint'] > 1)}")
    if c["en_bonne_voie"]:
        words.append(f"{c['en_bonne_voie']} en bonne voie")
    if c["en_retard"]:
        words.append(f"{c['en_retard']} en retard")
    return " · ".join(words)




def progress_colour(c: dict[str, int]) -> str | None:
    """An objective's colour from the share of its indicators with a target that reach it or are on track (the
    words in the box say the counts); None when none of them has a target."""
    with_target = c["atteint"] + c["en_bonne_voie"] + c["en_retard"]
    if not with_target:
        return None
    share = (c["atteint"] + c["en_bonne_voie"]) / with_target
    scale = palette.PROGRESS_SCALE
    low, high = (scale[0], scale[1]) if share < 0.5 else (scale[1], scale[2])
    t = share * 2 if share < 0.5 else share * 2 - 1
    mix = [round(int(low[i:i + 2], 16) * (1 - t) + int(high[i:i + 2], 16) * t) for i in (1, 3, 5)]
    return "#" + "".join(f"{v:02X}" for v in mix)


def objective_tree(df: pd.DataFrame, title: str) -> go.Figure:
    """Icicle opening on the campus and its strategic objectives, each with its progress in words (indicators, how
    many reported, targets reached); a click opens an objective with its children, down to its indicators, coloured
    by status and named with it. Readable at 60 as at 150 indicators: a view holds one objective and its children."""
    if len(df) <= 1:
        return empty(title, "Ce campus n'a pas encore d'arbre d'objectifs (il l'importe : tables Objectifs et Indicateurs).")
    d = df.copy()
    counts = tree_counts(d)
    d["size"] = _tree_sizes(d, counts)
    colours, hover, text = [], [], []
    for r in d.itertuples():
        if r.kind == "indicateur":
            label, colour = INDICATOR_STATUS[r.status]
            shown = "" if pd.isna(r.value) else f"<br>Valeur {int(r.year)} : {fmt.number(r.value, 2)}"
            target = "" if pd.isna(r.target) else f" · cible : {fmt.number(r.target, 2)}"
            hover.append(f"{label}{shown}{target}")
            text.append(f"{_wrap(fmt.short(r.title, 80), 30)}<br><i>{label}{shown.replace('<br>', ' · ')}</i>")
        else:
            colour = progress_colour(counts[r.node_id]) or NO_TARGET_COLOUR
            progress = _progress(counts[r.node_id])
            hover.append(f"{LEVEL_NAMES.get(r.kind, r.kind)}<br>{progress}")
            text.append(f"<b>{_wrap(fmt.short(r.title, 80), 30)}</b><br>{_wrap(progress, 30)}")
        colours.append(colour)
    fig = go.Figure(go.Icicle(
        ids=d["node_id"], parents=d["parent_id"].fillna(""), labels=[fmt.short(t) for t in d["title"]], text=text,
        texttemplate="%{text}",
        values=d["size"], branchvalues="remainder", marker=dict(colors=colours, line=dict(color="white", width=1)),
        customdata=list(zip(d["title"], hover)), hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>",
        tiling=dict(orientation="h"), maxdepth=TREE_DEPTH, pathbar=dict(visible=True, side="bottom"),
        leaf=dict(opacity=1),  # the status colours as the legend shows them
        textfont=dict(size=13, color=[palette.ink(c) for c in colours]),
    ))
    legend = [*INDICATOR_STATUS.values(), (NO_TARGET, NO_TARGET_COLOUR)]  # every colour of the tree, named
    for label, colour in legend:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=label, marker=dict(color=colour, size=12, symbol="square")))
    fig = _layout(fig, title, height=max(600, 100 + 80 * int((d["kind"] == "strategique").sum())))
    # the legend under the tree (on a phone it wraps onto three lines, over the title when above); the text of a box
    # shrinks to fit it rather than being left out (the campus's boxes hold sentences, not a bar's number)
    fig.update_layout(margin=dict(l=0, r=0, t=50, b=110), showlegend=True, uniformtext=dict(mode=False),
                      legend=dict(orientation="h", yanchor="top", y=-0.02, x=0))

    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig




def criteria_heatmap(df: pd.DataFrame, title: str) -> go.Figure:
    """Campuses × criteria, coloured by level, the report's reason on hover."""
    if df.empty or df["level"].isna().all():
        return empty(title, "Aucun positionnement renseigné (les campus l'importent : table « Positionnement sur les critères »).")
    campuses = sorted(df["campus_id"].unique(), reverse=True)
    nos = sorted(df["criterion_no"].unique())
    grid = df.set_index(["campus_id", "criterion_no"])
    z, text, hover = [], [], []
    for c in campuses:
        zr, tr, hr = [], [], []
        for n in nos:
            r = grid.loc[(c, n)]
            lvl = None if pd.isna(r["level"]) else int(r["level"])
            read = lvl is not None and r.get("level_basis") == "interprete"
            zr.append(lvl)
            tr.append("" if lvl is None else schema.CRITERION_LEVELS[str(lvl)] + (INTERPRETED_MARK if read else ""))
            hr.append(f"<b>{c} · {n}. {r['title']}</b><br>"
                      f"{'Non renseigné' if lvl is None else schema.CRITERION_LEVELS[str(lvl)]}"
                      + (f" · <i>{schema.LEVEL_BASES['interprete'].lower()}</i>" if read else "") + "<br>"
                      + _wrap("" if pd.isna(r["comment"]) else r["comment"]))
        z.append(zr)
        text.append(tr)
        hover.append(hr)
    # a discrete scale: each level owns a quarter of [0, 1] (z runs from -0.5 to 3.5)
    scale = [[bound / 4, col] for level, col in enumerate(palette.CRITERION_COLOURS) for bound in (level, level + 1)]
    fig = go.Figure(go.Heatmap(
        z=z, x=[f"{n}. {fmt.short(grid.loc[(campuses[0], n)]['title'], 22)}" for n in nos], y=campuses,
        zmin=-0.5, zmax=3.5, colorscale=scale, text=text, texttemplate="%{text}", textfont=dict(size=MIN_TEXT),
        customdata=hover, hovertemplate="%{customdata}<extra></extra>", xgap=2, ygap=2,
        colorbar=dict(title="Niveau", tickvals=[0, 1, 2, 3], ticktext=list(schema.CRITERION_LEVELS.values())),
    ))
    fig = _layout(fig, title, height=max(300, 160 + 42 * len(campuses)))
    fig.update_xaxes(tickangle=-35, tickformat=None)
    return _interpreted_note(fig, df)


INTERPRETED_MARK = " *"  # beside a criterion level the source does not state but that was read from its text


def _interpreted_note(fig: go.Figure, df: pd.DataFrame, below: int = 110, marker: str = INTERPRETED_MARK.strip()) -> go.Figure:
    """Under a criteria figure that shows interpreted levels (`marker` beside them): how many, and that they are not
    the source's words (`below`: pixels under the plot, past the axis labels)."""
    d = df.dropna(subset=["level"])
    read = int((d.get("level_basis") == "interprete").sum()) if "level_basis" in d else 0
    if read:
        fig.add_annotation(
            text=(f"{marker} {fmt.number(read)} niveau(x) sur {fmt.number(len(d))} interprété(s) du "
                  "texte de la source, qui ne les énonce pas : le commentaire de chaque critère dit pourquoi."),
            xref="paper", yref="paper", x=0, y=0, yanchor="top", yshift=-below, showarrow=False,
            font=dict(size=12, color="#555555"), xanchor="left")
        fig.update_layout(margin=dict(b=max(fig.layout.margin.b or 0, below + 40)))
    return fig


def criteria_distribution(df: pd.DataFrame, title: str) -> go.Figure:
    """For many campuses: per criterion, how many campuses stand at each level (stacked bars)."""
    d = df.dropna(subset=["level"])
    if d.empty:
        return empty(title, "Aucun positionnement renseigné (les campus l'importent : table « Positionnement sur les critères »).")
    titles = df.drop_duplicates("criterion_no").set_index("criterion_no")["title"]
    nos = sorted(titles.index, reverse=True)
    labels = [f"{n}. {fmt.short(titles[n], 40)}" for n in nos]
    counts = d.groupby(["criterion_no", "level"]).size()
    read = d[d["level_basis"] == "interprete"].groupby(["criterion_no", "level"]).size() if "level_basis" in d else {}
    fig = go.Figure()
    for level, colour in enumerate(palette.CRITERION_COLOURS):
        name = schema.CRITERION_LEVELS[str(level)]
        values = [int(counts.get((n, level), 0)) for n in nos]
        fig.add_trace(go.Bar(x=values, y=labels, orientation="h", name=name,
                             marker=dict(color=colour, line=dict(color="#4292C6", width=0.5)),
                             text=[v or "" for v in values], textposition="inside",
                             customdata=[int(read.get((n, level), 0)) for n in nos],
                             hovertemplate="%{y}<br>" + name + " : %{x} campus, dont %{customdata} niveau(x) "
                                           "interprété(s) du texte de la source<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig = _layout(fig, title, x_title="Nombre de campus", height=160 + 40 * len(nos))
    fig.update_layout(legend_traceorder="normal")
    return _interpreted_note(fig, d, below=60)


def _wrap(text: str, width: int = 70) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = (line + " " + w).strip()
    return "<br>".join(lines + [line])


def criteria_radar(df: pd.DataFrame, campus: str, title: str) -> go.Figure:
    """One campus's levels on the 11 criteria beside the average of the campuses shown."""
    mine = df[df["campus_id"] == campus].sort_values("criterion_no")
    if mine["level"].isna().all():
        return empty(title, f"{campus} n'a pas encore de positionnement sur les critères.")
    labels = [_wrap(f"{n}. {fmt.short(t, 34)}", 17) for n, t in zip(mine["criterion_no"], mine["title"])]
    mean = df.groupby("criterion_no")["level"].mean().reindex(mine["criterion_no"]).tolist()
    fig = go.Figure()
    fig.add_trace(go.Scatterpolar(r=mean + mean[:1], theta=labels + labels[:1], name="Moyenne des campus affichés",
                                  line=dict(color="#767676", dash="dash")))
    read = (mine["level_basis"] == "interprete").tolist() if "level_basis" in mine else [False] * len(mine)
    basis = [" · <i>" + schema.LEVEL_BASES["interprete"].lower() + "</i>" if r else "" for r in read]
    shown = [schema.CRITERION_LEVELS.get(str(int(v)), "") if pd.notna(v) else "Non renseigné" for v in mine["level"]]
    fig.add_trace(go.Scatterpolar(r=mine["level"].tolist() + mine["level"].tolist()[:1], theta=labels + labels[:1],
                                  name=campus, fill="toself", line=dict(color=palette.PALETTE[0]), opacity=0.8,
                                  mode="lines+markers",  # an open circle: a level read from the text, not stated
                                  marker=dict(size=10, symbol=[("circle-open" if r else "circle") for r in read + read[:1]]),
                                  customdata=[[s + b] for s, b in zip(shown + shown[:1], basis + basis[:1])],
                                  hovertemplate="%{theta}<br>%{customdata[0]}<extra>" + campus + "</extra>"))
    fig.update_layout(polar=dict(radialaxis=dict(range=[0, 3], tickvals=[0, 1, 2, 3], angle=90, tickangle=90,
                                                 ticktext=list(schema.CRITERION_LEVELS.values()), tickfont=dict(size=MIN_TEXT)),
                                 angularaxis=dict(tickfont=dict(size=MIN_TEXT))))
    fig = _layout(fig, title, height=560)
    # the legend above the top label; room on both sides for the labels of a half-width column
    fig.update_layout(margin=dict(l=20, r=20, t=90, b=40), polar_domain_y=[0, 0.88], polar_domain_x=[0.2, 0.8])
    return _interpreted_note(fig, mine, below=30, marker="○")


def actions_timeline(df: pd.DataFrame, title: str) -> go.Figure:
    """One bar per dated action from its start to its end (a one-day action is a one-day bar), coloured by status."""
    d = df.dropna(subset=["start_date"]).copy()
    if d.empty:
        return empty(title, "Aucune action datée pour cette sélection (colonne « Date de début » de la table Actions).")
    d["start"] = pd.to_datetime(d["start_date"])
    d["end"] = pd.to_datetime(d["end_date"]).fillna(d["start"]) + pd.Timedelta(days=1)
    dated = len(d)
    d = d.sort_values(["start", "campus_id"], ascending=False).head(MAX_ROWS * 2)
    d["label"] = d["campus_id"] + " · " + d["title"].map(lambda t: fmt.short(t, 50))
    fig = go.Figure()
    for status in palette.STATUS_COLOURS:  # finished first
        part = d[d["status"] == status]
        if part.empty:
            continue
        fig.add_trace(go.Bar(
            base=part["start"], x=(part["end"] - part["start"]).dt.total_seconds() * 1000, y=part["label"], orientation="h",
            name=schema.STATUSES[status], marker_color=palette.STATUS_COLOURS[status],
            customdata=list(zip(part["title"], part["start_date"].map(fmt.day),
                                part["end_date"].map(lambda x: fmt.day(x) if not fmt.missing(x) else "date de fin non renseignée"))),
            hovertemplate="<b>%{customdata[0]}</b><br>du %{customdata[1]} au %{customdata[2]}<extra></extra>",
        ))
    fig = _layout(fig, title, height=max(280, 110 + 30 * len(d)))
    # at least two months wide and eight rows high: a lone one-day action stays a short, thin bar between dated ticks
    first, last = d["start"].min() - pd.Timedelta(days=15), d["end"].max() + pd.Timedelta(days=15)
    if last - first <= pd.Timedelta(days=92):  # a few weeks: a tick a week, with its day
        ticks = pd.date_range(first.normalize(), last, freq="7D")
        text = [fmt.day(t, "d MMM y") for t in ticks]
    else:
        ticks = pd.date_range(first.to_period("M").to_timestamp(), last, freq="MS")
        ticks = ticks[::max(1, len(ticks) // 8)]
        text = [fmt.month(m) for m in ticks]
    fig.update_xaxes(type="date", range=[first, last], tickvals=ticks, ticktext=text)
    fig.update_yaxes(range=[-0.5, max(len(d), 8) - 0.5])
    fig.update_layout(showlegend=True)
    if dated > len(d):
        _note(fig, f"Les {len(d)} actions qui commencent le plus tard sur {fmt.number(dated)} datées : "
                   "choisissez un campus, un statut ou un mot pour voir les autres.")
        _legend_below(fig)
    fig.update_yaxes(categoryorder="array", categoryarray=d["label"].tolist())
    return fig


def reach_by_year_audience(df: pd.DataFrame, title: str) -> go.Figure:
    """Stacked columns: what the chosen campuses reached each year, by audience."""
    if df.empty:
        return empty(title, "Aucun public touché n'est renseigné pour ces campus.")
    years = sorted(df["year"].unique())
    fig = go.Figure()
    for code in schema.AUDIENCES:
        label = vocabulary.audience_label(code)
        part = df[df["audience"] == code].set_index("year")["reached"].reindex(years)
        if part.notna().any():
            fig.add_trace(go.Bar(x=[str(y) for y in years], y=part.fillna(0), name=label, marker_color=palette.AUDIENCE_COLOURS[code],
                                 hovertemplate="%{x} · " + label + " : %{y:,}<extra></extra>"))
    return _by_year(fig, title, REACHED)


def _by_year(fig: go.Figure, title: str, y_title: str) -> go.Figure:
    """Layout of a stacked by-year column chart: years as categories, French numbers, the legend under the plot."""
    fig.update_layout(barmode="stack")
    fig = _layout(fig, title, x_title="Année", y_title=y_title, height=440)
    fig.update_xaxes(type="category", tickformat=None)
    fig.update_yaxes(tickformat=",~f")
    return _legend_below(fig)


def reach_women(df: pd.DataFrame, title: str) -> go.Figure:
    """Share of women per audience, computed only where the number of women is reported."""
    d = df[df["figures_with_women"] > 0].copy()
    if d.empty:
        return empty(title, "Aucun campus n'a renseigné le nombre de femmes (colonne « Dont femmes » des publics touchés).")
    d["share"] = d["women"] / d["reached_with_women"]
    d["label"] = d["audience"].map(lambda a: schema.AUDIENCES.get(a, a))
    d = d.sort_values("share")
    fig = go.Figure(go.Bar(
        x=d["share"], y=d["label"], orientation="h", marker_color=palette.PALETTE[3], text=d["share"].map(fmt.percent),
        textposition="auto", customdata=d[["women", "reached_with_women", "figures_with_women", "figures"]],
        hovertemplate="%{y} : %{customdata[0]:,} femmes sur %{customdata[1]:,}<br>"
                      "%{customdata[2]} chiffre(s) sur %{customdata[3]} donnent le nombre de femmes<extra></extra>",
    ))
    fig = _layout(fig, title, x_title="Part des femmes", height=max(260, 60 + 34 * len(d)))
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    return fig


def _top(df: pd.DataFrame, col: str, top: int, other: str) -> pd.Series:
    """`col` where the row belongs to the `top` largest by known amount, else `other` (n)."""
    totals = df.groupby(col)["amount_eur"].sum().sort_values(ascending=False)
    if len(totals) <= top:
        return df[col]
    keep = set(totals.index[:top])
    return df[col].where(df[col].isin(keep), f"{other} ({len(totals) - top})")


def funding_flows(df: pd.DataFrame, title: str,
                   top_funders: int = 12, top_campuses: int = 25) -> go.Figure:
    """Sankey funders → campuses of known amounts; beyond `top_funders` the smaller funders are grouped, beyond
    `top_campuses` the flows go to the campuses' regions."""
    d = df[df["amount_eur"].notna() & (df["amount_eur"] > 0)].copy()
    if d.empty:
        return empty(title, "Aucun montant connu pour cette sélection.")
    d["funder"] = _top(d, "funder", top_funders, "Autres financeurs")
    by_region = d["campus_id"].nunique() > top_campuses
    if by_region:  # two hundred campus nodes are unreadable: the flows go to regions
        d["campus_id"] = d["region"]
    d = d.groupby(["funder", "campus_id"], as_index=False)["amount_eur"].sum()
    funders = d.groupby("funder")["amount_eur"].sum().sort_values(ascending=False).index.tolist()
    campuses = d.groupby("campus_id")["amount_eur"].sum().sort_values(ascending=False).index.tolist()
    nodes = funders + campuses
    index = {("f", n): i for i, n in enumerate(funders)} | {("c", n): len(funders) + i for i, n in enumerate(campuses)}
    totals = d.groupby("funder")["amount_eur"].sum().to_dict() | d.groupby("campus_id")["amount_eur"].sum().to_dict()
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node=dict(label=[f"{fmt.short(n, 40)} · {fmt.euros(totals[n])}" for n in nodes], pad=12, thickness=16,
                  color=[FLOW_NODE_COLOURS[0]] * len(funders) + [FLOW_NODE_COLOURS[1]] * len(campuses),
                  hovertemplate="%{label}<extra></extra>"),
        link=dict(source=[index[("f", f)] for f in d["funder"]], target=[index[("c", c)] for c in d["campus_id"]],
                  value=d["amount_eur"], color="rgba(77, 77, 77, 0.2)",
                  customdata=[fmt.euros(v) for v in d["amount_eur"]],
                  hovertemplate="%{source.label} → %{target.label}<br>%{customdata}<extra></extra>"),
        valueformat=",.0f", valuesuffix=" €", textfont=dict(size=12, color="#222222"),
    ))
    fig = _layout(fig, title, height=max(360, 60 + 30 * max(len(funders), len(campuses))))
    if by_region:
        _note(fig, f"{df['campus_id'].nunique()} campus : les flux vont aux régions ; filtrez par filière ou campus "
                   "pour voir chaque campus.")
    return fig


def funding_by_year(df: pd.DataFrame, title: str) -> go.Figure:
    """Stacked columns of known amounts per year by type of funder; lines with no amount are counted in the hover."""
    d = df[df["amount_eur"].notna()]
    if d.empty:
        return empty(title, "Aucun montant connu pour ces campus.")
    years = sorted(df["year"].unique())
    fig = go.Figure()
    for code, label in schema.FUNDER_TYPES.items():
        part = df[df["funder_type"] == code].set_index("year").reindex(years)
        if part["amount_eur"].notna().any():
            fig.add_trace(go.Bar(
                x=[str(y) for y in years], y=part["amount_eur"].fillna(0), name=label,
                marker_color=palette.FUNDER_TYPE_COLOURS[code], customdata=part["lines_amount_unknown"].fillna(0).astype(int),
                hovertemplate="%{x} · " + label + " : %{y:,.0f} €<br>%{customdata} ligne(s) sans montant<extra></extra>",
            ))
    return _by_year(fig, title, "Montant connu (€)")


def funding_by_kind_status(df: pd.DataFrame, title: str) -> go.Figure:
    """Funding lines per kind (financier, en nature, poste), stacked by status; the known amount is written on each part
    and lines with no amount are counted, so that in-kind support and posts are seen though rarely valued."""
    if df.empty:
        return empty(title, "Aucun financement pour cette sélection.")
    kinds = [k for k in schema.FUNDING_KINDS if k in set(df["kind"])][::-1]
    labels = [schema.FUNDING_KINDS[k] for k in kinds]
    fig = go.Figure()
    for status, name in schema.FUNDING_STATUSES.items():
        part = df[df["status"] == status].set_index("kind").reindex(kinds)
        if part["lines"].isna().all():
            continue
        amount = [fmt.euros(v) if not fmt.missing(v) else "montant non renseigné" for v in part["amount_eur"]]
        fig.add_trace(go.Bar(
            x=part["lines"].fillna(0), y=labels, orientation="h", name=name, marker_color=palette.FUNDING_STATUS_COLOURS[status],
            text=[fmt.number(n) if n else "" for n in part["lines"].fillna(0)], textposition="inside",
            customdata=list(zip(amount, part["lines_amount_unknown"].fillna(0).astype(int))),
            hovertemplate="%{y} · " + name.lower() + " : %{x} ligne(s)<br>connu : %{customdata[0]}"
                          "<br>%{customdata[1]} ligne(s) sans montant<extra></extra>",
        ))
    fig.update_layout(barmode="stack")
    return _layout(fig, title, x_title="Nombre de lignes de financement", height=max(260, 120 + 50 * len(kinds)))


# One meaning per colour on the funding page: blues, darker as the money is surer, say a status; other hues say a type
# of funder (always the same one, whatever the data); the flows' nodes are neutral.
FLOW_NODE_COLOURS = ("#4D4D4D", "#8C7560")  # funders, campuses
COMPLETENESS_COLOURS = ["#D55E00", "#F0E442", "#009E73"]  # none, part, all (Okabe–Ito vermillion, yellow, green)


def completeness_grid(df: pd.DataFrame, title: str) -> go.Figure:
    """Campus × year: the share of the campus's indicators that have a value, « n / N » written in each cell."""
    if df.empty:
        return empty(title, "Aucun campus pour cette sélection.")
    share = df.groupby("campus_id").apply(lambda g: g["with_value"].sum() / max(g["indicators"].sum(), 1),
                                          include_groups=False).sort_values(kind="stable")
    campuses = list(share.index[:MAX_ROWS + 10])[::-1]  # the least complete at the top
    years = sorted(df["year"].unique())
    grid = df.set_index(["campus_id", "year"])
    z, text = [], []
    for c in campuses:
        zr, tr = [], []
        for y in years:
            r = grid.loc[(c, y)]
            n, v = int(r["indicators"]), int(r["with_value"])
            zr.append(None if n == 0 else v / n)
            tr.append("aucun indicateur" if n == 0 else f"{v} / {n}")
        z.append(zr)
        text.append(tr)
    fig = go.Figure(go.Heatmap(
        z=z, x=[str(y) for y in years], y=campuses, zmin=0, zmax=1, colorscale=[[0, COMPLETENESS_COLOURS[0]],
        [0.5, COMPLETENESS_COLOURS[1]], [1, COMPLETENESS_COLOURS[2]]], text=text,
        texttemplate="%{text}", textfont=dict(size=MIN_TEXT if len(years) <= 12 else 8),
        hovertemplate="%{y} · %{x} : %{text} indicateur(s) renseigné(s)<extra></extra>", xgap=2, ygap=2,
        colorbar=dict(title="Part renseignée", tickformat=".0%"),
    ))
    fig = _layout(fig, title, height=max(300, 150 + 30 * len(campuses)))
    fig.update_xaxes(type="category", tickformat=None, side="top")
    if len(share) > len(campuses):
        fig.update_layout(title_text=f"{title} : les {len(campuses)} campus les moins complets sur {len(share)}")
    return fig


STATE_COLOUR = {"renseigne": "#009E73", "inconnu": "#F0E442", "manquant": "#D55E00"}
STATE_MARK = {"renseigne": "✓", "inconnu": "?", "manquant": "✗"}  # in each cell: the state is never colour alone
INDICATOR_STATES = {code: (f"{STATE_MARK[code]} {label}", STATE_COLOUR[code])
                    for code, label in vocabulary.INDICATOR_STATES.items()}


def completeness_indicators(df: pd.DataFrame, title: str) -> go.Figure:
    """Indicator × year of one campus: value present, declared unknown (row with no value) or missing."""
    if df.empty:
        return empty(title, "Ce campus n'a pas encore d'indicateur (il les importe : tables Objectifs et Indicateurs).")
    ids = list(dict.fromkeys(df["indicator_id"]))[::-1]
    years = sorted(df["year"].unique())
    code = {s: i for i, s in enumerate(INDICATOR_STATES)}
    grid = df.set_index(["indicator_id", "year"])
    names = df.drop_duplicates("indicator_id").set_index("indicator_id")["name"]
    z = [[code[grid.loc[(i, y), "state"]] for y in years] for i in ids]
    hover = [[f"<b>{_wrap(names[i], 60)}</b><br>{y} : {INDICATOR_STATES[grid.loc[(i, y), 'state']][0].lower()}"
              for y in years] for i in ids]
    colours = [c for _, c in INDICATOR_STATES.values()]
    scale = [[bound / 3, col] for k, col in enumerate(colours) for bound in (k, k + 1)]
    marks = [[STATE_MARK[grid.loc[(i, y), "state"]] for y in years] for i in ids]
    fig = go.Figure(go.Heatmap(z=z, x=[str(y) for y in years], y=[f"{i} · {fmt.short(names[i], 28)}" for i in ids],
                               zmin=-0.5, zmax=2.5, colorscale=scale, showscale=False, xgap=2, ygap=1,
                               text=marks, texttemplate="%{text}", textfont=dict(size=12),
                               customdata=hover, hovertemplate="%{customdata}<extra></extra>"))
    for label, colour in INDICATOR_STATES.values():
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=label, marker=dict(color=colour, size=12, symbol="square")))
    fig = _layout(fig, title, height=max(300, 130 + 22 * len(ids)))
    fig.update_xaxes(type="category", tickformat=None, side="top")
    fig.update_layout(legend=dict(y=-0.02, yanchor="top"))
    return fig


# ---------------------------------------------------------------- steering against targets (query iptt)
# the query's statuses, in the order a reader ranks them, each with the colour of the tree's statuses
PROGRESS = {code: palette.STATUS_COLOUR[code] for code in vocabulary.INDICATOR_STATUS_WORDS}


def indicator_trend(df: pd.DataFrame, title: str) -> go.Figure:
    """One indicator over the years: what it reached as a line, what it aimed at as open diamonds, where it started
    as a dashed line; a cumulative indicator is drawn as its running sums (as the steering table reads it)."""
    d = df.dropna(subset=["year"]).sort_values("year")
    if d.empty or (d["actual"].isna().all() and d["target"].isna().all()):
        return empty(title, "Ni valeur ni cible pour cet indicateur (le campus les renseigne : « Saisir des valeurs » ou import).")
    first = d.iloc[0]
    unit = first["unit"]
    title = f"{first['indicator_id']} · {fmt.short(first['name'], 70)} : {title.lower()}"
    years = [str(int(y)) for y in d["year"]]
    fig = go.Figure()
    if not fmt.missing(first["baseline"]):
        fig.add_trace(go.Scatter(x=years, y=[first["baseline"]] * len(years), mode="lines", name=(
            f"Référence {int(first['baseline_year'])}" if not fmt.missing(first["baseline_year"]) else "Référence"),
            line=dict(color="#666666", dash="dash", width=2), hovertemplate="Référence : %{y:,}<extra></extra>"))
    fig.add_trace(go.Scatter(x=years, y=d["target"], mode="markers", name="Cible" + (" (cumul)" if first["cumulative"] else ""),
                             marker=dict(symbol="diamond-open", size=14, color="#D55E00", line=dict(width=3)),
                             hovertemplate="%{x} · cible : %{y:,}<extra></extra>"))
    fig.add_trace(go.Scatter(x=years, y=d["actual"], mode="lines+markers+text", connectgaps=False,
                             name="Réalisé" + (" (cumul)" if first["cumulative"] else ""),
                             line=dict(color="#0072B2", width=3), marker=dict(size=9, color="#0072B2"),
                             text=[fmt.percent(p) if not fmt.missing(p) else "" for p in d["share_of_target"]],
                             textposition="top center", textfont=dict(size=MIN_TEXT),
                             hovertemplate="%{x} · réalisé : %{y:,}<extra></extra>"))
    fig = _layout(fig, title, x_title="Année", y_title=schema.UNITS.get(unit, unit), height=360)
    fig.update_xaxes(type="category", tickformat=None)
    if unit == "oui_non":
        fig.update_yaxes(range=[-0.2, 1.3], tickvals=[0, 1], ticktext=["non", "oui"])
    else:
        fig.update_yaxes(rangemode="tozero")
    _note(fig, "Au-dessus de chaque point : la part de la cible atteinte.")
    return _legend_below(fig)


def progress_by_campus(df: pd.DataFrame, title: str) -> go.Figure:
    """Per campus, the share of its indicators at each status against their targets for the year (stacked to 100 %),
    the number of indicators in each part on hover."""
    if df.empty:
        return empty(title, "Aucun indicateur n'a de valeur ni de cible pour cette sélection.")
    year = df.groupby("campus_id")["year"].transform("max")
    d = df[df["year"] == year]  # each campus's latest year in the selection
    counts = d.groupby(["campus_id", "status"]).size().unstack(fill_value=0).reindex(columns=list(PROGRESS), fill_value=0)
    on_track = (counts["atteint"] + counts["en_bonne_voie"]) / counts.sum(axis=1)
    order = list(on_track.sort_values(kind="stable").index[-MAX_ROWS:])
    fig = go.Figure()
    for status, colour in PROGRESS.items():
        share = counts.loc[order, status] / counts.loc[order].sum(axis=1)
        word = vocabulary.INDICATOR_STATUS_WORDS[status]
        fig.add_trace(go.Bar(x=share, y=order, orientation="h", name=word.capitalize(), marker_color=colour,
                             customdata=counts.loc[order, status], text=[fmt.percent(v) if v >= 0.08 else "" for v in share],
                             textposition="inside", textangle=0,
                             hovertemplate="%{y} · " + word + " : %{customdata} indicateur(s) (%{x:.0%})<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig = _layout(fig, title, x_title="Part des indicateurs du campus", y_title="Campus",
                  height=max(300, 150 + 30 * len(order)) + 40)
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    _every_label(fig, order)
    return _legend_below(fig)
