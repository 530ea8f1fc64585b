"""Vue régionale: headline figures, the map, reach, funding and actions of the chosen campuses."""
import streamlit as st

from cmq.app import session, ui
from cmq.core import fmt
from cmq.outputs import charts, national

session.guard("overview")
f = ui.filters()
st.title("Vue régionale des campus")
ui.nothing_validated(f)
k = ui.read("overview_kpis", f).iloc[0]  # nothing reported reads « non renseigné », never a zero
c1, c2, c3, c4 = st.columns(4)
c1.metric("Campus", fmt.number(k["campuses"]))
c2.metric("Actions", fmt.number(k["actions"] or None),
          help=f"{fmt.number(k['actions_terminee'])} terminées, {fmt.number(k['actions_en_cours'])} en cours, "
               f"{fmt.number(k['actions_prevue'])} prévues")
c3.metric("Personnes touchées", fmt.number(k["people_reached"] or None),
          help=f"Et {fmt.number(k['structures_reached'])} structures (entreprises, établissements, institutionnels). "
               "Une action commune à plusieurs campus compte une fois.")
c4.metric("Financements acquis connus", fmt.euros(k["funding_known_eur"] if k["funding_known_eur"] or k["funding_unknown_lines"] else None),
          help=f"{fmt.number(k['funding_unknown_lines'])} financement(s) acquis dont le montant n'est pas renseigné.")
# a year of planned money only does not read « 0 € » alone; nothing planned nor requested needs no line
PENDING = (("funding_planned_eur", "prévus"), ("funding_requested_eur", "demandés"))  # money not (yet) acquired
if any(not fmt.missing(k[c]) and k[c] for c, _ in PENDING):
    c4.caption("Et " + " et ".join(f"{fmt.euros(k[c])} {fmt.md(word)}" for c, word in PENDING
                                   if not fmt.missing(k[c]) and k[c]) + ", non acquis.")
if k["actions"]:
    st.caption(f"Actions : {fmt.number(k['actions_terminee'])} terminées · {fmt.number(k['actions_en_cours'])} en cours "
               f"· {fmt.number(k['actions_prevue'])} prévues")

left, right = st.columns([3, 2])
with left:
    ui.figure("carte", f, key="map")
with right:
    ui.figure("publics-touches", f, key="reach")
ui.figure("publics-par-campus", f, key="reach_campus")
left, right = st.columns(2)
with left:
    funding = ui.figure("financements", f, key="funding")
    if unknown := charts.unknown_amounts(funding):
        st.caption(fmt.md(unknown))
with right:
    ui.figure("actions-par-statut", f, key="actions")
ui.milestones(f, key="overview_milestones")
averages = ui.compared("sector_averages", f)  # None unless the deployment lets a region compare itself
if averages is not None:
    st.header("Comparaison avec la moyenne nationale de chaque filière")
    st.dataframe(national.comparison_table(ui.read("network_campuses", f.but(sector=None)), averages),
                 hide_index=True, key="overview_comparison",
                 column_config={"Campus": st.column_config.TextColumn(pinned=True)})
    st.caption(f"{fmt.md(ui.export.describe(f))} · La moyenne d'un campus de la filière, sur les chiffres validés de "
               "toutes les régions (réglage du déploiement CMQ_COMPARE_REGIONS) : aucun campus d'une autre région n'est "
               f"lu ici, seulement des moyennes ; une filière de moins de {national.MIN_AVERAGED} campus ayant déclaré "
               "des chiffres n'a pas de moyenne (elle dirait les chiffres d'un campus).")
