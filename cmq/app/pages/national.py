"""Vue nationale: the regions side by side (campuses, reach, funding, indicators on track, campaign), a map of the
regions; each region opens into its regional view."""
import streamlit as st

from cmq.app import session, ui
from cmq.core import fmt
from cmq.outputs import national

session.guard("national")
f = ui.filters()
st.title("Vue nationale des campus")
ui.nothing_validated(f)
k = ui.read("overview_kpis", f).iloc[0]
regions = ui.read("regions_overview", f)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Régions", fmt.number(len(regions)))
c2.metric("Campus", fmt.number(k["campuses"]))
c3.metric("Personnes touchées", fmt.number(k["people_reached"] or None),
          help="Une action commune à plusieurs campus compte une fois.")
c4.metric("Financements acquis connus", fmt.euros(k["funding_known_eur"] or None))
on_track = national.on_track_by_region(ui.read("iptt", f.but(campus=None)), ui.query("campuses"))
campaign = national.campaign_by_region(ui.campaigns().get(f.year) if f.year else None)
st.header("Les régions côte à côte")
unread = {c for c, y in ui.sight().hidden if y == f.year}
st.dataframe(national.regions_table(regions, on_track, campaign, f.year,
                                    pending=national.not_yet(ui.query("campuses"), unread)), hide_index=True, key="national_regions",
             column_config={"Région": st.column_config.TextColumn(pinned=True),
                            "Vue régionale": st.column_config.LinkColumn(display_text="Ouvrir")})
st.caption(f"{fmt.md(ui.export.describe(f))} · Indicateurs : {fmt.md(ui.PROGRESS_RULE)} · Campagne : les campus validés, "
           "et ceux dont la date limite est passée sans soumission ; les chiffres en cours de saisie ne sont pas lus ici.")
ui.figure("carte-des-regions", f, key="regions_map")
