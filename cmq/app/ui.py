"""Streamlit glue shared by the pages: the cached store and read path, the sidebar filters, captions."""
from __future__ import annotations

import functools
import json
import os
import queue
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.basedatatypes import BaseFigure

from cmq.app import keys
from cmq.core import cycle, fmt, permissions, queries, steering
from cmq.core.demo import open_store
from cmq.core.filters import Filters
from cmq.core.store import DATABASE_URL, Store, StoreError, location
from cmq.outputs import export, tables
from cmq.outputs.registry import FIGURES

ALL_YEARS = "Toutes les années"


@st.cache_resource(show_spinner="Préparation des données…")
def _store(where: str) -> Store:
    return open_store(where)


@functools.lru_cache(maxsize=8)
def _where(url: str | None, folder: str | None, cwd: str) -> str:
    return location()


_OPENED: dict[str, Store] = {}  # where → its store, once opened (asked tens of times per run of every page)


def store() -> Store:
    """The store of this app (CMQ_DATABASE_URL, else the folder CMQ_DATA_DIR); the demo is built into a new one."""
    where = _where(os.environ.get(DATABASE_URL), os.environ.get("CMQ_DATA_DIR"), os.getcwd())
    if (opened := _OPENED.get(where)) is None:
        opened = _OPENED[where] = _store(where)
    return opened


# Streamlit's front-end modules that the first page after sign-in needs (charts, filters, headline figures, download
# buttons). Streamlit fetches each when the first element of its kind arrives; PlotlyChart alone is 4.7 MB.
FIRST_PAGE_MODULES = ("PlotlyChart", "Multiselect", "Selectbox", "Metric", "DownloadButton")


@functools.cache
def _front_end_modules() -> tuple[str, ...]:
    """The files of FIRST_PAGE_MODULES in this Streamlit release (their names carry a hash), those found."""
    folder = Path(st.__file__).parent / "static" / "static" / "js"
    found = [list(folder.glob(f"{name}.*.js")) for name in FIRST_PAGE_MODULES]
    return tuple(files[0].name for files in found if len(files) == 1)


def preload_first_page() -> None:
    """Have the browser load the code of the first page while the person signs in, instead of after: measured at
    national size, a browser started afresh spent 1.3–1.9 s of the first page fetching and running it. The imports
    start once the browser is idle (the login form shows first) and are the very modules Streamlit imports later, so
    nothing is loaded twice; a module this release does not have is skipped."""
    if not (names := _front_end_modules()):
        return
    st.html(f"""<script>(() => {{
  const entry = document.querySelector('script[type="module"][src*="static/js/"]');
  if (!entry) return;
  const load = () => {json.dumps(list(names))}.forEach(name => import(new URL(name, entry.src).href).catch(() => {{}}));
  "requestIdleCallback" in window ? requestIdleCallback(load, {{timeout: 1000}}) : setTimeout(load, 200);
}})();</script>""", unsafe_allow_javascript=True)


# Streamlit's own words in its widgets (its page is served as <html lang="en"> and it has no setting for any of them),
# in French: texts (matched whole) in the file uploader and in links, and the labels screen readers read.
FRENCH_TEXTS = {
    "^Drag and drop a file here$": "Glissez-déposez un fichier ici",
    "^Drag and drop files here$": "Glissez-déposez des fichiers ici",
    "^Upload$": "Parcourir…",
    "^Add files$": "Ajouter des fichiers",
    "^([0-9]+)\\.([0-9]+)\\s?MB per file$": "$1,$2 Mo au plus par fichier",
    "^([0-9]+)\\s?MB per file$": "$1 Mo au plus par fichier",
    "^Skip to main content$": "Aller au contenu principal",
    "^([0-9]+)\\.([0-9]+)\\s?KB$": "$1,$2 Ko", "^([0-9]+)\\s?KB$": "$1 Ko",  # a file's size on its chip
    "^([0-9]+)\\.([0-9]+)\\s?MB$": "$1,$2 Mo", "^([0-9]+)\\s?MB$": "$1 Mo",
    "^dd$": "jj", "^yyyy$": "aaaa",  # a date field's empty parts (dd / mm / yyyy)
    "^Choose an option$": "Choisissez", "^No results$": "Aucun résultat",
    "^empty$": "aucune ligne",  # an empty table
    # the date picker's calendar (its month and day names follow the browser's language)
    "^Use arrow keys to navigate dates\\. Enter to select\\. Escape to close\\.$":
        "Flèches pour changer de jour, Entrée pour choisir, Échap pour fermer.",
    "^Choose date, (.*)$": "Choisir la date, $1",
}
FRENCH_LABELS = {
    "Show password": "Afficher le mot de passe", "Hide password": "Masquer le mot de passe",
    "Link to heading": "Lien vers ce titre", "Skip to main content": "Aller au contenu principal",
    "Remove file": "Retirer le fichier", "Delete file": "Retirer le fichier", "Clear all": "Tout effacer",
    "Clear value": "Effacer", "Open": "Ouvrir", "Close": "Fermer", "Collapse sidebar": "Replier la barre latérale",
    "Expand sidebar": "Déplier la barre latérale", "Fullscreen": "Plein écran", "Close fullscreen": "Quitter le plein écran",
    # a chart's tools
    "Download plot as a PNG": "Télécharger l'image (PNG)", "Zoom": "Zoomer", "Pan": "Déplacer", "Zoom in": "Zoom avant",
    "Zoom out": "Zoom arrière", "Autoscale": "Échelle automatique", "Reset axes": "Rétablir les axes",
    "Reset view": "Rétablir la vue", "Box Select": "Sélection rectangulaire", "Lasso Select": "Sélection au lasso",
    # a table's tools
    "Show/hide columns": "Afficher ou masquer des colonnes", "Download as CSV": "Télécharger en CSV",
    "Search": "Rechercher",
    # placeholders and a date field's calendar button
    "Choose an option": "Choisissez", "Choose options": "Choisissez", "Choose date": "Choisir la date",
    "Calendar": "Calendrier", "Previous": "Précédent", "Next": "Suivant",
}
# « Help for Actions » (a figure's help button); a date's parts as a screen reader names them (« day, Date limite »)
LABEL_PREFIXES = {"Help for ": "Aide : ", "day, ": "jour, ", "month, ": "mois, ", "year, ": "année, ",
                  "Choose date, ": "Choisir la date, "}


# Streamlit greys captions and help texts with a 0.6 opacity (3.8:1 on white, under RGAA's 4.5:1): a solid grey of
# 7:1 instead; section headings (h2 under the page's h1, never a skipped level) at the size of Streamlit's subheaders;
# on a phone no chart toolbar over the chart's title (the downloads are the buttons under each chart).
PAGE_STYLE = """
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * { color: #595959 !important; opacity: 1; }
[data-testid="stWidgetLabel"] [data-testid="stTooltipHoverTarget"] { opacity: 1; }
[data-testid="stMain"] h2 { font-size: 1.5rem; padding-top: 0.75rem; }
@media (max-width: 640px) { .js-plotly-plot .modebar-container { display: none; } }
"""


def page_style() -> None:
    """The house's few corrections to Streamlit's look, on every page (contrast, heading sizes)."""
    st.html(f"<style>{PAGE_STYLE}</style>")


def french_page() -> None:
    """Declare the page French (lang="fr", what screen readers and browsers' translation read) and keep Streamlit's
    English widget words in French as they appear (a script in the page, installed once per browser tab)."""
    texts = json.dumps([[pattern, text] for pattern, text in FRENCH_TEXTS.items()])
    st.html(f"""<script>(() => {{
  document.documentElement.lang = "fr";
  if (window.cmqFrench) return;
  window.cmqFrench = true;
  const texts = {texts}.map(([p, t]) => [new RegExp(p), t]);
  const labels = {json.dumps(FRENCH_LABELS, ensure_ascii=False)};
  const prefixes = {json.dumps(LABEL_PREFIXES, ensure_ascii=False)};
  const attrs = ["aria-label", "title", "data-title", "placeholder"];
  const french = v => labels[v] ?? Object.entries(prefixes).reduce(
    (r, [en, fr]) => r ?? (v.startsWith(en) ? fr + v.slice(en.length) : null), null);
  const translate = () => {{
    document.querySelectorAll('[data-testid="stFileUploader"], [data-testid="stDateInput"], [data-baseweb="select"], '
                              + '[data-testid="stSelectboxVirtualDropdown"], [data-testid="stDataFrame"], [data-testid="stTable"], '
                              + '[role="dialog"], a').forEach(box => {{
      const walk = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
      for (let node = walk.nextNode(); node; node = walk.nextNode()) {{
        const text = node.nodeValue.trim();
        for (const [re, fr] of texts) if (re.test(text)) {{ node.nodeValue = text.replace(re, fr); break; }}
      }}
    }});
    document.querySelectorAll("[aria-label],[title],[data-title],[placeholder]").forEach(el => {{
      for (const attr of attrs) {{
        const v = el.getAttribute(attr), fr = v && french(v);
        if (fr) el.setAttribute(attr, fr);
      }}
    }});
  }};
  translate();
  // on a phone the menu covers the page: once a page is chosen in it, it closes (Streamlit leaves it open)
  document.addEventListener("click", e => {{
    if (window.innerWidth >= 768 || !e.target.closest('[data-testid="stSidebarNav"] a')) return;
    setTimeout(() => {{
      const bar = document.querySelector('[data-testid="stSidebar"]');
      const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (bar && bar.getAttribute("data-collapsed") === "false" && close) close.click();
    }}, 300);
  }}, true);
  new MutationObserver(translate).observe(document.body, {{subtree: true, childList: true, characterData: true,
                                                          attributes: true, attributeFilter: attrs}});
}})();</script>""", unsafe_allow_javascript=True)


@st.cache_resource(max_entries=2)
def _connection(root: str, version: int):
    return store().connect()


@functools.lru_cache(maxsize=512)
def _run(name: str, params: tuple, root: str, version: int, sight: permissions.Sight) -> pd.DataFrame:
    """Rows of a query for one store version as `sight` reads it, read once and shared by every session of this server
    that reads the same (pandas copy-on-write: a caller's change to its copy never reaches the shared rows). Kept in
    memory as they are: Streamlit's st.cache_data would pickle them in and out at every call, a tenth of a warm page's
    time."""
    pool = None if sight.everything else _readers(root, version, sight.key())
    try:
        con, held = pool.get_nowait() if pool is not None else (None, None)
    except queue.Empty:
        con, held = None, {}
    con = con or _connection(root, version).cursor()
    try:
        return queries.run(name, con=con, sight=sight, held=held, **dict(params))
    except (duckdb.IOException, duckdb.InvalidInputException) as exc:  # a data file damaged since the version was read
        report = store().unreadable()
        raise StoreError("Une donnée du magasin est illisible : " + (" ".join(report) or "un fichier de données est "
                         "endommagé.") + " Un administrateur peut lancer « python -m cmq check ».") from exc
    finally:
        if pool is not None and pool.qsize() < READERS_PER_SIGHT:
            pool.put((con, held))
        else:
            con.close()


READERS_PER_SIGHT = 4  # cursors kept per sight and store version (more readers at once: a cursor each, then closed)


@st.cache_resource(max_entries=64, ttl=3600)
def _readers(root: str, version: int, seen: tuple) -> queue.SimpleQueue:
    """The cursors kept for one scoped sight at one store version, each with the views of the sight it declared so
    far (catalogue.shade declares each once per cursor, not once per query). A scoped account's reads take one and
    give it back; a national account's read the catalogue as it is and need none."""
    return queue.SimpleQueue()


def damage_notice() -> None:
    """Above every page, when data files of the store are damaged: what the pages leave out (see Store.connect)."""
    s = store()
    version = s.version()
    _connection(str(s.root), version)
    if report := s.damaged.get(version):
        st.warning("**Des fichiers de données du magasin sont endommagés** : les pages montrent ce que contiennent les "
                   "autres, sans eux.\n\n" + "\n".join(f"- {fmt.md(line)}" for line in report)
                   + "\n\nUn administrateur peut lancer « python -m cmq check ».", icon=":material/report:")


_SEEN: dict[str, int] = {}  # store → the version this process last read


@functools.lru_cache(maxsize=256)
def _sight(root: str, version: int, name: str | None, grant: str) -> permissions.Sight:
    """What the signed-in account reads at this version (its grant: its role and scope; a change of scope ends the
    session, see auth.grant)."""
    return store().sight(store().account(name)) if name else permissions.NOTHING


def sight() -> permissions.Sight:
    """What this session's account reads (nothing before signing in): every read of the app goes through it."""
    signed = st.session_state.get(keys.ACCOUNT) or {}
    s = store()
    return _sight(str(s.root), s.version(), signed.get("name"), json.dumps(signed.get("grant"), default=str))


@functools.lru_cache(maxsize=256)
def _comparison(root: str, version: int, name: str | None, grant: str) -> permissions.Sight | None:
    return store().comparison(store().account(name)) if name else None


def compared(name: str, f: Filters) -> pd.DataFrame | None:
    """Rows of comparison query `name` (averages over every region's validated figures) for the filters `f`, when
    the deployment lets this session's account compare its region with the others; None otherwise."""
    signed = st.session_state.get(keys.ACCOUNT) or {}
    s = store()
    seen = _comparison(str(s.root), s.version(), signed.get("name"), json.dumps(signed.get("grant"), default=str))
    if seen is None:
        return None
    query_name, params = reading(name, f.but(campuses=None, campus=None))
    return _run(query_name, _frozen(params), str(s.root), s.version(), seen).copy(deep=False)


def regions_read() -> list[str]:
    """The regions of the campuses this session's account reads (the navigation asks it before any page runs)."""
    return sorted(_run("campuses", (), *_current())["region"].dropna().unique())


def campaigns() -> dict[int, dict]:
    """Every year's campaign as this session's account sees it (its regions' records, its campuses)."""
    return store().campaigns(sight())


def _current() -> tuple[str, int, permissions.Sight]:
    """The store, its version and the session's sight for a read; once the store moved on, the results kept for older
    versions are let go (nobody reads them again: memory stays that of one version, whatever the number of imports in
    a day)."""
    s = store()
    where, version = str(s.root), s.version()
    if _SEEN.get(where) != version:
        if where in _SEEN:
            clear_cache()
        _SEEN[where] = version
    return where, version, sight()


def query(name: str, **params) -> pd.DataFrame:
    """Rows of query `name` as the session's account reads them, cached per store version (a commit makes every cached
    result stale) and sight."""
    return _run(name, _frozen(params), *_current()).copy(deep=False)  # the caller's own (copy-on-write)


def reading(name: str, f: Filters) -> tuple[str, dict]:
    """The (query, parameters) query `name` reads for the filters `f`: the parameters its SQL names."""
    return name, f.params(queries.parameters(name))


def read(name: str, f: Filters) -> pd.DataFrame:
    """Rows of query `name` for the filters `f`."""
    name, params = reading(name, f)
    return query(name, **params)


def clear_cache() -> None:
    """Drop cached results after a write (they are keyed on the store version anyway; this frees memory at once)."""
    _run.cache_clear()
    _day.cache_clear()
    _sight.cache_clear()
    _comparison.cache_clear()
    _readers.clear()
    _shaped.cache_clear()
    _drawn.cache_clear()


LINK_VALUE_MAX = 80  # characters of one value of a link's parameter (a campus code, a sector, a year)
LINK_VALUES_MAX = 300  # campuses one link may name


def link_value(value):
    """A link's parameter as the filters take it: a value longer than any real one is ignored (None), never read."""
    return value if isinstance(value, str) and len(value) <= LINK_VALUE_MAX else None


def reported_years(years: pd.DataFrame) -> list[int]:
    """The years campuses have reported figures for (reach, indicator values), newest first (the `years` query's rows)."""
    return sorted(years.loc[years["reported"].astype(bool), "year"].astype(int), reverse=True)


def default_year(years: pd.DataFrame, campaigns: dict | None = None) -> int | None:
    """The year the views open on (the `years` query's rows): the latest one campuses have reported figures for (reach,
    indicator values) that the reader may rely on — a year without a campaign, or whose campaign has validated at least
    one campus —, not a later year that only has plans, funding or drafts yet; None when nothing is reported."""
    done = reported_years(years)
    campaigns = campaigns or {}
    reliable = [y for y in done if y not in campaigns or any(
        s["status"] == "valide" for s in campaigns[y]["campuses"].values())]
    return (reliable or done or [None])[0]


def campaign_notice(year: int, campaigns: dict) -> None:
    """Above views that show `year` while a later campaign gathers its figures: where that campaign stands, and a
    button to its year (its figures show as they are validated)."""
    later = sorted(y for y, c in campaigns.items() if not c["closed_at"] and y > year)
    if not later:
        return
    y = later[-1]
    st.info(f"Campagne {y:d} en cours : {fmt.md(_campaign_state(campaigns[y]))} — les chiffres {y:d} s'affichent au fil des "
            f"validations. Les vues montrent {year:d}, la dernière année aux chiffres fiables.", icon=":material/event:")
    st.button(f"Voir l'année {y:d}", key=f"campaign_year_{y}", on_click=_open_year, args=(y,),
              icon=":material/arrow_forward:")


def _campaign_state(campaign: dict) -> str:
    """« 1 campus sur 6 ont soumis leurs chiffres, 0 validé(s) »."""
    states = [s["status"] for s in campaign["campuses"].values()]
    sent, ok = sum(s in ("soumis", "valide") for s in states), states.count("valide")
    return f"{sent:d} campus sur {len(states):d} ont soumis leurs chiffres, {ok:d} validé(s)"


def _open_year(year: int) -> None:
    st.session_state[keys.YEAR] = year


def _show_drafts() -> None:
    st.session_state[keys.FIGURES] = "tous"


def nothing_validated(f: Filters) -> None:
    """A campaign's year with « validated only » and no campus validated yet: the page says so and offers the figures
    there are (the latest reliable year, or this year's drafts), then stops — never a page of zeros for « not yet »."""
    if f.nothing_validated is None:
        return
    year, reliable, campaign = f.nothing_validated
    st.info(f"Campagne {year:d} : aucun campus n'a encore de chiffres validés ({fmt.md(_campaign_state(campaign))}). Les chiffres "
            f"{year:d} s'affichent ici au fil des validations.", icon=":material/hourglass_top:")
    with st.container(horizontal=True, gap="small"):
        if reliable and reliable != year:
            st.button(f"Voir {reliable:d}, la dernière année aux chiffres fiables", key="nothing_reliable",
                      on_click=_open_year, args=(reliable,), icon=":material/arrow_back:")
        st.button(f"Voir les chiffres {year:d} en cours de saisie", key="nothing_drafts", on_click=_show_drafts,
                  icon=":material/edit_note:")
    st.stop()


ALL_YEARS_IN_LINKS = "toutes"  # ?annee=toutes: a link that opens on every year
FILTER_KEYS = ("annee", "region", "filiere", "campus", "chiffres")
VALIDATED = "valides"
FIGURE_SETS = {VALIDATED: "Chiffres validés seulement", "tous": "Y compris en cours de saisie"}


def filters(campaign_first: bool = False, drafts: bool = False) -> Filters:
    """The shared sidebar filters (year, sector, campuses). They follow the reader from page to page (kept in the
    session) and are always in the page's link (?annee=2018|toutes&filiere=…&campus=…), so that a link opens the same
    view; a link's filters win over the kept ones.

    Returns query parameters: year (None = every year) and campuses (None = all), the sector folded into campuses.
    `campaign_first` (the progress of a campaign): the page opens on the open campaign's year, not the year kept from
    other pages; `drafts`: figures in progress are shown unless the reader asks for validated ones (those who run the
    campaign follow drafts).
    """
    known = query("years")
    years = known["year"].tolist()
    campuses = query("campuses")
    names = dict(zip(campuses["campus_id"], campuses["name"]))
    sectors = sorted(campuses["sector"].dropna().unique())
    regions = sorted(campuses["region"].dropna().unique())
    qp = st.query_params
    from_link = any(k in qp for k in FILTER_KEYS)
    kept = {} if from_link else st.session_state.get(keys.FILTERS_KEPT, {})
    held = campaigns()
    running = sorted(y for y, c in held.items() if not c["closed_at"] and y in years)
    if campaign_first and running and not from_link:
        kept = {**{k: v for k, v in kept.items() if k != "chiffres"}, "annee": str(running[-1])}
    url_year = link_value(qp.get("annee") if from_link else kept.get("annee"))
    url_sector = link_value(qp.get("filiere") if from_link else kept.get("filiere"))
    url_region = link_value(qp.get("region") if from_link else kept.get("region"))
    url_campuses = [c for c in (qp.get_all("campus") if from_link else kept.get("campus", []))[:LINK_VALUES_MAX]
                    if link_value(c)]
    year_options = [ALL_YEARS] + years
    url_ok = bool(url_year) and url_year.isascii() and url_year.isdigit() and len(url_year) == 4 and int(url_year) in years
    every = url_year == ALL_YEARS_IN_LINKS
    opening = ALL_YEARS if every else int(url_year) if url_ok else default_year(known, held) or ALL_YEARS
    ignored = ([f"annee={url_year}"] if url_year and not url_ok and not every else []) + \
              ([f"filiere={url_sector}"] if url_sector and url_sector not in sectors else []) + \
              ([f"region={url_region}"] if url_region and url_region not in regions else []) + \
              [f"campus={c}" for c in url_campuses if c not in names]
    if ignored:  # a link typed by hand or cut: the page opens all the same, and says what it left out
        st.info(f"Le lien contient {fmt.md(', '.join(ignored)[:200])} : paramètre(s) non reconnu(s), ignoré(s).",
                icon=":material/link_off:")
    with st.sidebar:
        st.header("Filtres")
        year = st.selectbox("Année", year_options, index=year_options.index(opening), key=keys.YEAR)
        region = None
        if len(regions) > 1:  # an account that reads several regions chooses one (links carry it)
            region = st.selectbox("Région", [None] + regions, index=([None] + regions).index(url_region)
                                  if url_region in regions else 0,
                                  format_func=lambda x: "Toutes les régions" if x is None else x, key="flt_region")
        sector = st.selectbox("Filière", [None] + sectors, index=([None] + sectors).index(url_sector) if url_sector in sectors else 0,
                              format_func=lambda x: "Toutes les filières" if x is None else x, key="flt_sector")
        keep = pd.Series(True, index=campuses.index)
        if region is not None:
            keep &= campuses["region"] == region
        if sector is not None:
            keep &= campuses["sector"] == sector
        pool = campuses.loc[keep, "campus_id"].tolist()
        chosen = st.multiselect("Campus", pool, default=[c for c in url_campuses if c in pool], key="flt_campus",
                                format_func=lambda c: f"{c} – {names[c]}", placeholder="Tous les campus")
        campaign = held.get(year) if year != ALL_YEARS else None
        shown = None
        if campaign and any(y == year for _, y in sight().hidden):  # the national level, told so
            shown = VALIDATED
            st.caption("Chiffres validés seulement : au niveau national, les chiffres en cours de saisie d'une campagne "
                       "ne sont pas montrés (réglage du déploiement).")
        elif campaign:  # once a campaign exists for the year, the committee reads its validated figures unless it asks
            wanted = (qp.get("chiffres") if from_link else kept.get("chiffres")) or ("tous" if drafts else VALIDATED)
            shown = st.radio("Chiffres", list(FIGURE_SETS), index=list(FIGURE_SETS).index(wanted if wanted in FIGURE_SETS
                                                                                           else VALIDATED),
                             format_func=FIGURE_SETS.get, key=keys.FIGURES,
                             help=f"Campagne {fmt.md(year)} : un campus validé a ses chiffres verrouillés ; les autres sont en "
                                  "cours de saisie.")
    if year != ALL_YEARS and int(year) == default_year(known, held):  # opened on the reliable year
        campaign_notice(int(year), held)
    new = {"annee": ALL_YEARS_IN_LINKS if year == ALL_YEARS else str(year)}
    if region:
        new["region"] = region
    if sector:
        new["filiere"] = sector
    if chosen:
        new["campus"] = chosen
    if shown:
        new["chiffres"] = shown
    st.session_state[keys.FILTERS_KEPT] = new
    current = {k: (qp.get_all(k) if k == "campus" else qp.get(k)) for k in qp}
    if current != new:
        qp.from_dict(new)
    selected = chosen or (pool if sector or region else None)
    out = Filters(year=None if year == ALL_YEARS else int(year), campuses=selected or ([cycle.NO_CAMPUS] if selected == []
                                                                                      else None),
                  sector=sector, region=region)
    if shown == VALIDATED:
        ok, validated, said = cycle.validated_only(campaign, selected or list(names))
        out = out.but(campuses=validated, figures=said,  # none validated yet: the pages say so (nothing_validated)
                      nothing_validated=None if ok else (int(year), default_year(known, held), campaign))
    elif shown:
        out = out.but(figures=cycle.WITH_DRAFTS)
    return out


def milestones(f: Filters, key: str) -> None:
    """The dated governance milestones of the chosen campuses and of the region, in a table (oldest first)."""
    st.header("Jalons de gouvernance")
    rows = read("milestones", f)
    if rows.empty:
        st.info("Aucun jalon n'est renseigné (l'administrateur les importe : table Jalons de gouvernance).")
        return
    st.dataframe(shaped(tables.milestones, reading("milestones", f)), hide_index=True, key=key,
                 height=38 + 35 * min(len(rows), 15))
    st.caption(f"Région : jalons de toute une région (comité de pilotage, coordination, CREFOP). Données importées le "
               f"{fmt.md(data_date())}.")


def caption(f: Filters, source: str) -> None:
    """Under a chart: what was filtered, where the figures come from and how fresh they are."""
    st.caption(f"{fmt.md(export.describe(f))} — Source : {fmt.md(source)}. Données importées le {fmt.md(data_date())}.")


@functools.lru_cache(maxsize=8)
def _day(root: str, version: int, sight: permissions.Sight) -> str:
    return fmt.local_day(_run("data_freshness", (), root, version, sight)["last_commit"].iloc[0])


def data_date() -> str:
    """The day of the last import, in French (every caption says it: once per store version)."""
    return _day(*_current())


PROGRESS_RULE = (f"Atteint : la valeur atteint sa cible ; en bonne voie : au moins {fmt.percent(steering.ON_TRACK)} de la "
                 f"cible (au plus {fmt.percent(steering.ON_TRACK_DOWN)} pour un indicateur à la baisse) ; un indicateur "
                 "cumulatif se lit par le cumul de ses valeurs et de ses cibles.")


def iptt_download(scope: str) -> None:
    """The indicator tracking table as Excel (one sheet per campus), made on click."""
    from cmq.outputs import iptt
    from cmq.outputs.export import ExportError

    year = next(iter(reported_years(query("years"))), date.today().year)  # the latest year campuses reported

    seen = sight()  # captured now: the file is made at click, outside the page's run

    def made() -> bytes:
        try:
            return iptt.workbook(store(), scope, year, sight=seen)
        except ExportError as exc:  # nothing to track yet: the file says so rather than the button failing
            return export.xlsx_bytes([export.Sheet("Suivi", [str(exc)], pd.DataFrame())])
    st.download_button("Tableau de suivi (Excel)", made, f"suivi-indicateurs_{export.slug(scope)}_{year}.xlsx",
                       export.MIME["xlsx"], icon=":material/table_view:", key=f"iptt_{scope}")


def _frozen(params: dict) -> tuple:
    """A query's parameters as a cache key (lists as tuples)."""
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))


class _Shown(BaseFigure):
    """A drawn figure as st.plotly_chart takes it, its dictionary made once: given a figure, st.plotly_chart asks it
    for its dictionary on every run (a deep copy, every array encoded), the largest cost of a warm page after the
    drawing itself. Only `to_dict` is ever called on it (plotly's own checks are not run again)."""

    def __init__(self, fig: go.Figure):  # noqa: D107 - BaseFigure's own set-up (validation) is what is avoided
        object.__setattr__(self, "_as_dict", fig.to_dict())

    def to_dict(self) -> dict:
        return self._as_dict


@functools.lru_cache(maxsize=256)
def _drawn(name: str, params: tuple, campus: str | None, root: str, version: int,
           sight: permissions.Sight) -> tuple[go.Figure, _Shown]:
    """The plotly figure of registry figure `name` for one store version, drawn once and shared by every session:
    building a figure (plotly checks every property it is given) is most of a page's server time. Nothing mutates it
    (st.plotly_chart reads its dictionary, the image exports work on copies)."""
    spec = FIGURES[name]
    fig = spec.chart(_run(spec.query, params, root, version, sight), Filters(campus=campus))
    return fig, _Shown(fig)


def _own(result):
    """A shared result as the caller's own: its frames copied shallowly (copy-on-write)."""
    if isinstance(result, pd.DataFrame):
        return result.copy(deep=False)
    return tuple(_own(r) for r in result) if isinstance(result, tuple) else result


@functools.lru_cache(maxsize=256)
def _shaped(shape: Callable, reads: tuple, root: str, version: int, sight: permissions.Sight):
    return shape(*(_run(name, params, root, version, sight) for name, params in reads))


def shaped(shape: Callable, *reads: tuple[str, dict]):
    """`shape` (a module-level function of query rows: a page's table built in pandas) applied to the rows of `reads`
    ((query, parameters) each), once per store version and shared by every session: a table reshaped on every run
    costs a page as much as drawing a chart."""
    return _own(_shaped(shape, tuple((name, _frozen(params)) for name, params in reads), *_current()))


def figure_read(name: str, f: Filters, **extra) -> tuple[str, dict]:
    """The (query, parameters) registry figure `name` reads for the filters `f` (`extra`: the page's own choices)."""
    spec = FIGURES[name]
    return spec.query, spec.params(f.but(**extra))


def figure(name: str, f: Filters, key: str, **extra) -> pd.DataFrame:
    """Figure `name` of the registry (cmq/outputs/registry.py) drawn for the filters `f` (`extra`: the page's own
    choices), with its caption, the rows behind it and its export buttons; returns the data it was drawn from."""
    spec = FIGURES[name]
    ctx = f.but(**extra)
    params = spec.params(ctx)
    data = query(spec.query, **params)
    fig, shown = _drawn(name, _frozen(params), ctx.campus, *_current())
    rows = (lambda: query(spec.rows, **spec.params(ctx, spec.rows))) if spec.rows else None
    chart(fig, spec.context(ctx), spec.source, rows, key=key, data=data, name=spec.name, shown=shown)
    return data


def chart(fig, f: Filters, source: str, rows: Callable[[], pd.DataFrame] | None, key: str, data: pd.DataFrame,
          name: str, shown: BaseFigure | None = None) -> None:
    """A chart, its caption (filters, source, freshness), buttons that download it as PNG or SVG and its data as CSV or
    Excel (files named after what, whom and which year), and its figures as a table in « Voir les données » (the rows
    behind it are read only once the expander is opened: tens of thousands at national scale)."""
    st.plotly_chart(shown or fig, key=key, config={"displaylogo": False})
    caption(f, source)
    downloads(fig, f, source, data, name, key)
    # every chart's figures one click away, as a table (what a screen reader reads): the rows behind it when the
    # registry names them, else the very data it was drawn from
    box = st.expander("Voir les données", key=f"{key}_rows", on_change="rerun")
    if box.open:
        table = rows() if rows is not None else data
        if table.empty:
            box.write("Aucune ligne pour cette sélection.")
        else:
            box.dataframe(export.french(table), hide_index=True)


def downloads(fig, f: Filters, source: str, data: pd.DataFrame, name: str, key: str) -> None:
    """Four download buttons under a chart; files are made on click (an image takes a warm browser ~0,2 s)."""
    title = export.title_of(fig)
    heading = [title, f"{export.describe(f)} · Source : {source} · Données au {data_date()}"] + export.notes_of(fig)
    files = {  # made on click only
        "png": ("Image PNG", lambda: export.image(fig, "png", caption=heading[1])),  # scope, source, date on it
        "svg": ("Image SVG", lambda: export.image(fig, "svg", caption=heading[1])),
        "csv": ("Données CSV", lambda: export.csv_bytes(export.french(data))),
        "xlsx": ("Données Excel", lambda: export.xlsx_bytes(
            [export.Sheet(export.sheet_name(title, set()), heading, export.french(data))])),
    }
    with st.container(horizontal=True, gap="small", key=f"{key}_exports"):
        for ext, (label, make) in files.items():
            st.download_button(label, make, file_name=export.file_name(name, f, ext), mime=export.MIME[ext],
                               key=f"{key}_{ext}", type="tertiary", icon=":material/download:", on_click="ignore")


def _reader(root: str, version: int, seen: tuple) -> Callable[..., pd.DataFrame]:
    """The rows of a query at this version as sight `seen` (its key) reads them: what a document is written from, the
    session's sight captured when its button was drawn (a download made at click runs outside the page's run, where
    no session is known)."""
    sight_of = permissions.Sight.of(seen)
    return lambda name, **params: _run(name, _frozen(params), root, version, sight_of).copy(deep=False)


@st.cache_resource(max_entries=8, ttl=3600, show_spinner="Préparation du dossier…")
def _pack(root: str, version: int, seen: tuple, scope: str, year: int):
    from cmq.outputs import pack

    # images drawn once on first download, then kept with the pack; the year's campaign: its validated figures only
    return pack.build(_reader(root, version, seen), scope, year,
                      store().campaigns(permissions.Sight.of(seen)).get(int(year)))


def meeting_pack(scope: str, year: int):
    """The meeting pack of a scope and year, built once per store version and shared by every session."""
    s = store()
    return _pack(str(s.root), s.version(), sight().key(), scope, year)


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _pack_contents(root: str, version: int, seen: tuple, scope: str, year: int) -> pd.DataFrame:
    from cmq.outputs import pack

    return pack.contents(_pack(root, version, seen, scope, year))


def meeting_pack_contents(scope: str, year: int) -> pd.DataFrame:
    """The slides of the meeting pack, as its page lists them (laid out once per pack: its tables' pages are measured)."""
    s = store()
    return _pack_contents(str(s.root), s.version(), sight().key(), scope, year).copy(deep=False)


@st.cache_resource(max_entries=4, ttl=3600, show_spinner=False)
def _report_file(root: str, version: int, seen: tuple, scope: str, year: int, kind: str) -> bytes:
    from cmq.outputs import report

    return report.render(report.build(_reader(root, version, seen), scope, year,
                                      store().campaigns(permissions.Sight.of(seen)).get(int(year))), kind)


def annual_report(scope: str, year: int, kind: str) -> Callable[[], bytes]:
    """The annual activity report of a scope and year as docx or pdf, written at click once per store version and
    sight, and shared: the download button's maker, the session's sight captured now."""
    s = store()
    held = (str(s.root), s.version(), sight().key())
    return lambda: _report_file(*held, scope, year, kind)


def scope_and_year(prefix: str, nothing: str) -> tuple[str, int, dict[str, str]]:
    """The chooser of a document's scope (the region or one campus) and year, with the latest reported year first
    chosen; stops the page with `nothing` when no data is imported. Returns scope, year and each campus's name."""
    campuses = query("campuses")
    names = dict(zip(campuses["campus_id"], campuses["name"]))
    known = query("years")
    years = sorted(known["year"].tolist(), reverse=True)
    if not years:
        st.info(fmt.md(nothing))
        st.stop()
    regions = sorted(campuses["region"].dropna().unique())
    several = len(regions) > 1  # the nation: every region, or one of them, or one campus
    options = ["region"] + ([f"region:{r}" for r in regions] if several else []) + list(names)

    def said(c: str) -> str:
        if c == "region":
            return "Toutes les régions (synthèse nationale)" if several else "Tous les campus (région)"
        return f"Région {c.split(':', 1)[1]}" if c.startswith("region:") else f"Campus {c} – {names[c]}"

    c1, c2 = st.columns([3, 1])
    scope = c1.selectbox("Périmètre", options, key=f"{prefix}_scope", format_func=said)
    year = c2.selectbox("Année", years, index=years.index(default_year(known, campaigns()) or years[0]),
                        key=f"{prefix}_year")
    return scope, year, names
