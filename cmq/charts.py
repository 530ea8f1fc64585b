"""Pure functions DataFrame → plotly Figure, in French, with one colour-blind-safe palette."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from . import fmt, schema

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
STATUS_COLOURS = {"terminee": "#009E73", "en_cours": "#E69F00", "prevue": "#56B4E9"}
FONT = dict(family="DejaVu Sans, Arial, sans-serif", size=13)


def _layout(fig: go.Figure, title: str, x_title: str | None = None, y_title: str | None = None,
            height: int | None = None) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left"),
        separators=fmt.PLOTLY_SEPARATORS,
        font=FONT,
        template="plotly_white",
        colorway=PALETTE,
        margin=dict(l=10, r=20, t=60, b=40),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0, title=None),
        height=height,
    )
    fig.update_xaxes(title_text=x_title, automargin=True, tickformat=",~f")
    fig.update_yaxes(title_text=y_title, automargin=True)
    return fig


def empty(title: str, message: str) -> go.Figure:
    """A figure that says what is missing instead of showing blank axes."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font=dict(size=15))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, height=260)


def reach_by_audience(df: pd.DataFrame, title: str = "Publics touchés") -> go.Figure:
    """Horizontal bars: people and structures reached per audience."""
    if df.empty:
        return empty(title, "Aucun public touché n'est renseigné pour ces filtres.")
    d = df.copy()
    d["label"] = d["audience"].map(lambda a: schema.AUDIENCES.get(a, a))
    d = d.sort_values("reached")
    text = [("≈ " if est else "") + fmt.number(v) for v, est in zip(d["reached"], d["includes_estimates"])]
    fig = go.Figure(go.Bar(
        x=d["reached"], y=d["label"], orientation="h", marker_color=PALETTE[0], text=text, textposition="auto",
        customdata=d[["actions"]], hovertemplate="%{y} : %{x:,} touchés<br>%{customdata[0]} action(s)<extra></extra>",
    ))
    fig = _layout(fig, title, x_title="Nombre touché", y_title=None, height=max(260, 60 + 34 * len(d)))
    if d["includes_estimates"].any():
        fig.add_annotation(text="≈ : comprend des ordres de grandeur (« une cinquantaine »)", showarrow=False,
                           xref="paper", yref="paper", x=1, y=1.02, xanchor="right", yanchor="bottom", font=dict(size=11))
    return fig


def actions_by_status(df: pd.DataFrame, title: str = "Actions par statut") -> go.Figure:
    """Stacked horizontal bars: actions of each campus by status."""
    if df.empty:
        return empty(title, "Aucune action n'est renseignée pour ces filtres.")
    campuses = sorted(df["campus_id"].unique(), reverse=True)
    fig = go.Figure()
    for status in ("terminee", "en_cours", "prevue"):
        part = df[df["status"] == status].set_index("campus_id")["actions"].reindex(campuses).fillna(0)
        fig.add_trace(go.Bar(
            x=part.values, y=campuses, orientation="h", name=schema.STATUSES[status],
            marker_color=STATUS_COLOURS[status], text=[fmt.number(v) if v else "" for v in part.values],
            textposition="inside", hovertemplate="%{y} : %{x} action(s) " + schema.STATUSES[status].lower() + "<extra></extra>",
        ))
    fig.update_layout(barmode="stack")
    return _layout(fig, title, x_title="Nombre d'actions", y_title="Campus", height=max(260, 90 + 36 * len(campuses)))


def funding_by_funder(df: pd.DataFrame, title: str = "Financements connus par financeur", top: int = 12) -> go.Figure:
    """Horizontal bars of known amounts per funder; funders whose amount is unknown are named, not drawn as 0."""
    known = df[df["acquired_eur"].notna() | df["expected_eur"].notna()].copy()
    if known.empty:
        return empty(title, "Aucun montant connu pour ces filtres.")
    known["total"] = known["acquired_eur"].fillna(0) + known["expected_eur"].fillna(0)
    known = known.sort_values("total", ascending=False)
    if len(known) > top:
        rest = known.iloc[top:]
        known = pd.concat([known.iloc[:top], pd.DataFrame([{
            "funder": f"Autres ({len(rest)})", "acquired_eur": rest["acquired_eur"].sum(), "expected_eur": rest["expected_eur"].sum(),
        }])])
    known = known.iloc[::-1]
    fig = go.Figure()
    for col, name, colour in (("acquired_eur", "Acquis", PALETTE[0]), ("expected_eur", "Prévu ou demandé", PALETTE[4])):
        vals = known[col].fillna(0)
        if not vals.any():
            continue
        fig.add_trace(go.Bar(
            x=vals, y=known["funder"], orientation="h", name=name, marker_color=colour,
            text=[fmt.euros(v) if v else "" for v in vals], textposition="auto",
            hovertemplate="%{y}<br>" + name + " : %{x:,.0f} €<extra></extra>",
        ))
    fig.update_layout(barmode="stack", bargap=0.35)
    return _layout(fig, title, x_title="Montant (€)", height=max(260, 90 + 36 * len(known)))


def unknown_amounts(df: pd.DataFrame) -> str:
    """The funders with at least one amount not known, in words (shown beside the chart, never as 0)."""
    names = df[df["lines_amount_unknown"] > 0]["funder"].tolist()
    return ("Montant non renseigné pour : " + ", ".join(names) + ".") if names else ""
