"""Complétude: which campus has reported which indicator for which year, so that the coordinator sees who has not;
and where each campus's indicators stand against their targets. It opens on the open campaign's year; those who run
the campaign follow its drafts (progress is about what is entered, validated or not)."""
import streamlit as st

from cmq.app import cycle_view, session, ui
from cmq.core import permissions
from cmq.outputs import tables

account = session.guard("completeness")
f = ui.filters(campaign_first=True, drafts=permissions.allowed(account, "run_campaigns"))
st.title("Complétude des indicateurs")
cycle_view.progress_panel(f.year)
ui.nothing_validated(f)
grid = ui.figure("completude", f, key="comp_grid")
gaps = tables.missing_reports(grid)
if not gaps.empty:
    st.header("Campus sans aucune valeur d'indicateur")
    st.dataframe(gaps, hide_index=True, key="comp_gaps")
st.header("Par rapport aux cibles")
ui.figure("suivi-des-cibles", f, key="comp_progress")
st.caption(ui.PROGRESS_RULE + " Le tableau de suivi de chaque campus est sur la page Campus.")
ui.iptt_download("region")
st.header("Indicateur par indicateur")
pool = sorted(grid["campus_id"].unique()) if not grid.empty else []
if pool:
    campus = st.selectbox("Campus", pool, key="comp_campus")
    ui.figure("completude-indicateurs", f.but(campuses=(campus,)), key="comp_detail", campus=campus)
