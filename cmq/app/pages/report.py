"""Rapport annuel: the activity report of the region or of one campus for one year, written by the tool from the store
(Word to edit, or PDF), in the shape of the 2018 report; the coordinator adds the prose."""
import streamlit as st

from cmq.app import session, ui
from cmq.core import fmt
from cmq.outputs import pack, report

session.guard("report")
st.title("Rapport annuel")
st.write("Le rapport d'activité de l'année, écrit à partir des chiffres de l'outil : synthèse, un chapitre par campus "
         "(identité, financements et coût par personne touchée, actions par objectif stratégique, publics touchés, "
         "indicateurs, critères de labellisation) et les annexes (arbres d'objectifs, matrice actions × objectifs, "
         "partenaires, lots d'import dont viennent les chiffres) ; pour toutes les régions, une synthèse nationale avec un "
         "chapitre par région. Le document Word se modifie : chaque chapitre a un "
         "paragraphe « À compléter » surligné pour le texte que les tableaux ne disent pas.")
scope, year, names = ui.scope_and_year("report", "Aucune donnée importée : le rapport serait vide.")
with st.container(horizontal=True, key="report_downloads"):
    for kind, label in (("docx", "Word, modifiable"), ("pdf", "PDF")):
        st.download_button(f"Télécharger le rapport ({label})", ui.annual_report(scope, year, kind),
                           file_name=report.file_name(scope, year, kind), mime=report.MIME[kind], key=f"report_{kind}",
                           icon=":material/download:", on_click="ignore", type="primary" if kind == "docx" else "secondary")
st.caption(("Toutes les régions" if scope == "region" and ui.regions_read()[1:] else
            "Tous les campus" if scope == "region" else fmt.md(f"Région {scope.split(':', 1)[1]}") if pack.is_many(scope)
            else fmt.md(f"Campus {scope} – {names[scope]}")) + f" · année {int(year)}. "
           "Le document est écrit au clic (quelques secondes), une fois par version des données ; dans Word, la table "
           "des matières se met à jour à l'ouverture (ou par F9).")
st.header("Plan du rapport")
parts = report.plan(ui.query, pack.scope_of(ui.query, scope, year, ui.campaigns().get(int(year))))
st.markdown("\n".join(f"{i:d}. **{fmt.md(title)}** — {fmt.md(what)}" for i, (title, what) in enumerate(parts, start=1)))
