"""The registry: every page of the app and every figure it shows, once. The navigation, the per-chart exports, the
meeting pack, the benchmark and the tests read it: adding a chart is its SQL file, its chart function and one entry
here; a slide can never disagree with the screen."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from cmq.core import fmt, queries
from cmq.core.filters import Filters
from cmq.outputs import charts, tables

REACH = "publics touchés déclarés par les campus"
FUNDING = "financements déclarés par les campus"
ACTIONS = "actions déclarées par les campus"
CRITERIA = "positionnement des campus déclaré dans leurs rapports d'activité"
INDICATORS = "indicateurs et valeurs importés par les campus"


@dataclass(frozen=True)
class Figure:
    """One figure: the query that answers it, the function that draws it, where its figures come from."""

    name: str  # file-name stem: financements → financements_AMF_2018.png
    query: str
    draw: Callable[..., go.Figure]
    source: str
    rows: str | None = None  # the query listing the rows behind it, with their import batch
    every_year: bool = False  # a year-by-year chart: the year filter does not apply
    per_campus: bool = False  # draws one campus: draw(data, campus)
    title: str = ""  # its title ({campus}: the campus drawn), given to the chart function
    # its table form in the meeting pack, where a chart would not read at slide size (a tree, a heatmap)
    grid: Callable[[pd.DataFrame], tables.Grid | None] | None = None
    pack_columns: tuple[str, ...] | None = None  # the columns of its figures' table in the PDF (None: every short one)

    def context(self, f: Filters) -> Filters:
        """The filters this figure applies: a year-by-year chart shows every year; a campus's profile chosen alone is
        compared with every campus (compared with itself it would say nothing)."""
        if self.every_year:
            f = f.but(year=None)
        if self.per_campus and f.campuses == (f.campus,):
            f = f.but(campuses=None)
        return f

    def params(self, f: Filters, query: str | None = None) -> dict:
        """The parameters of its query (or of `query`, the rows behind it) out of the filters: year, campuses, campus
        and page-specific ones."""
        return self.context(f).params(queries.parameters(query or self.query))

    def chart(self, data: pd.DataFrame, f: Filters) -> go.Figure:
        """The plotly figure of `data`; every text from the store drawn as typed (plotly reads <a>, <br> and entities
        in labels and hovers as markup: an imported « <a href=…> » must not become a live link); every light mark
        outlined (charts.outlined)."""
        data = _as_text(data)
        title = self.title.format(campus=f.campus, of_campus=fmt.of(f.campus))
        fig = self.draw(data, f.campus, title) if self.per_campus else self.draw(data, title)
        return charts.outlined(fig)


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with its texts escaped for plotly's markup (export.native unescapes what it takes back from a figure)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: fmt.plain(v) if isinstance(v, str) else v)
    return out


def _criteria(df: pd.DataFrame, title: str) -> go.Figure:
    # a grid of hundreds of rows is unreadable: the distribution, until the committee narrows the list
    if df["campus_id"].nunique() <= charts.MAX_ROWS:
        return charts.criteria_heatmap(df, title)
    return charts.criteria_distribution(df, "Répartition des campus par niveau, critère par critère")


FIGURES = {f.name: f for f in (
    Figure("carte-des-regions", "regions_overview", charts.regions_overview, "table Campus et publics touchés",
           title="Les régions : personnes touchées par leurs campus",
           pack_columns=("region", "campuses", "people_reached", "funding_known_eur", "actions")),
    Figure("carte", "campus_map", charts.campus_map, "table Campus et publics touchés", title="Carte des campus",
           pack_columns=("campus_id", "name", "sector", "people_reached", "reached", "actions")),
    Figure("publics-touches", "reach_by_audience", charts.reach_by_audience, REACH, rows="reach_rows",
           title="Publics touchés"),
    Figure("publics-par-campus", "reach_by_campus_audience", charts.reach_by_campus_audience, REACH, rows="reach_rows",
           title="Publics touchés par campus"),
    Figure("publics-par-annee", "reach_by_year_audience", charts.reach_by_year_audience, REACH, every_year=True,
           title="Publics touchés, année par année"),
    Figure("part-des-femmes", "reach_women", charts.reach_women, REACH,
           title="Part des femmes parmi les personnes touchées"),
    Figure("financements", "funding_by_funder", charts.funding_by_funder, FUNDING, rows="funding_rows",
           title="Financements connus par financeur"),
    Figure("flux-de-financement", "funding_flows", charts.funding_flows, FUNDING, rows="funding_rows",
           title="Des financeurs aux campus (montants connus)"),
    Figure("financements-par-annee", "funding_by_year", charts.funding_by_year, FUNDING, every_year=True,
           title="Financements connus, année par année"),
    Figure("financements-par-nature", "funding_by_kind_status", charts.funding_by_kind_status, FUNDING,
           title="Lignes de financement par nature et statut"),
    Figure("actions-par-statut", "actions_by_status", charts.actions_by_status, ACTIONS, rows="action_rows",
           title="Actions par statut"),
    Figure("calendrier-des-actions", "action_register", charts.actions_timeline, "dates de début et de fin des actions",
           title="Calendrier des actions datées"),
    Figure("criteres", "criteria_grid", _criteria, CRITERIA, rows="criteria_grid",
           title="Positionnement sur les 11 critères de labellisation", grid=tables.criteria_grid),
    Figure("profil-criteres", "criteria_grid", charts.criteria_radar, CRITERIA, per_campus=True,
           title="Profil {of_campus} sur les critères"),
    Figure("completude", "completeness_grid", charts.completeness_grid, INDICATORS,
           title="Indicateurs renseignés par campus et par année", grid=tables.completeness_grid),
    Figure("completude-indicateurs", "completeness_indicators", charts.completeness_indicators, INDICATORS,
           title="Valeurs des indicateurs du campus", grid=tables.indicator_states_grid),
    Figure("suivi-des-cibles", "iptt", charts.progress_by_campus, INDICATORS,
           title="Indicateurs par rapport à leur cible, par campus"),
    Figure("indicateurs-en-retard", "iptt", charts.progress_by_campus, INDICATORS, grid=tables.off_track_grid,
           title="Indicateurs en retard sur leur cible"),
    Figure("tendance-indicateur", "iptt", charts.indicator_trend, INDICATORS, every_year=True,
           title="Valeurs et cibles, année par année"),
    Figure("arbre-objectifs", "objective_tree", charts.objective_tree, INDICATORS, every_year=True,
           title="Arbre d'objectifs et d'indicateurs", grid=tables.tree_grid),
)}

# the meeting pack « Dossier de séance », in the order of the slides
REGION_PACK = ("carte", "publics-touches", "publics-par-campus", "publics-par-annee", "part-des-femmes", "financements",
               "flux-de-financement", "financements-par-annee", "financements-par-nature", "actions-par-statut",
               "criteres", "completude", "suivi-des-cibles", "indicateurs-en-retard")
CAMPUS_PACK = ("arbre-objectifs", "indicateurs-en-retard", "completude-indicateurs", "publics-touches", "publics-par-annee",
               "part-des-femmes",
               "financements", "financements-par-annee", "financements-par-nature", "actions-par-statut",
               "calendrier-des-actions", "profil-criteres")


@dataclass(frozen=True)
class Page:
    """One page of the app: its file under cmq/app/pages/ (also its address), title, icon, the action an account must
    hold somewhere to open it (permissions.ACTIONS: the navigation, the page's guard and the tests read it here), and
    what its first view reads (its figures and its other queries: the benchmark measures them)."""

    slug: str
    title: str
    icon: str
    action: str = "read"
    figures: tuple[str, ...] = ()
    several_regions: bool = False  # offered only to an account that reads more than one region
    queries: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        """The page's file, relative to the checkout (where dashboard.py is)."""
        return f"cmq/app/pages/{self.slug}.py"


# in navigation order
PAGES = (
    Page("national", "Vue nationale", ":material/public:", figures=("carte-des-regions",), several_regions=True),
    Page("overview", "Vue régionale", ":material/dashboard:",
         figures=("carte", "publics-touches", "publics-par-campus", "financements", "actions-par-statut"),
         queries=("overview_kpis", "milestones")),
    Page("networks", "Réseaux thématiques", ":material/hub:", queries=("network_campuses",), several_regions=True),
    Page("campus", "Campus", ":material/apartment:", figures=("arbre-objectifs", "publics-touches"),
         queries=("iptt", "campus_actions", "campus_funding", "milestones")),
    Page("actions", "Actions", ":material/checklist:", figures=("calendrier-des-actions",),
         queries=("objective_choices", "action_register", "action_objective_links")),
    Page("reach", "Publics touchés", ":material/groups:",
         figures=("publics-touches", "part-des-femmes", "publics-par-campus", "publics-par-annee"),
         queries=("overview_kpis",)),
    Page("funding", "Financements", ":material/euro:",
         figures=("flux-de-financement", "financements-par-annee", "financements-par-nature"),
         queries=("funding_kpis", "funding_unknown", "cost_per_person")),
    Page("criteria", "Critères de labellisation", ":material/verified:", figures=("criteres", "profil-criteres")),
    Page("completeness", "Complétude", ":material/fact_check:",
         figures=("completude", "suivi-des-cibles", "completude-indicateurs")),
    Page("pack", "Dossier de séance", ":material/slideshow:"),
    Page("report", "Rapport annuel", ":material/description:"),
    Page("import", "Importer des données", ":material/upload_file:", action="import"),
    Page("entry", "Saisir des valeurs", ":material/edit_note:", action="import"),
    Page("history", "Historique des imports", ":material/history:", queries=("batch_history",)),
    Page("campaigns", "Campagnes", ":material/event_available:", action="run_campaigns"),
    Page("admin", "Administration", ":material/manage_accounts:", action="administer_accounts"),
)
PAGE = {p.slug: p for p in PAGES}
# where the figures of each table show once imported (the import page links there)
SHOWN_ON = {
    "campuses": "overview", "criteria": "criteria", "partners": "campus", "objectives": "campus", "indicators": "campus",
    "campus_partners": "campus", "actions": "actions", "action_objectives": "actions", "indicator_values": "campus",
    "reach": "reach", "funding": "funding", "criteria_assessments": "criteria", "milestones": "campus",
}
