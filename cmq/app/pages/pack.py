"""Dossier de séance: the figures of the region or of one campus for one year, as PowerPoint, PDF and Excel."""
import streamlit as st

from cmq.app import session, ui
from cmq.core import fmt
from cmq.outputs import export, pack

session.guard("pack")
st.title("Dossier de séance")
st.write("Tous les graphiques d'un périmètre et d'une année, prêts pour la séance du comité : un diaporama PowerPoint "
         "aux graphiques modifiables, un PDF A4 paysage et un classeur Excel avec les données de chaque graphique.")
scope, year, _ = ui.scope_and_year("pack", "Aucune donnée importée : le dossier serait vide.")
p = ui.meeting_pack(scope, year)
with st.container(horizontal=True, key="pack_downloads"):
    for kind, label in (("pptx", "PowerPoint"), ("pdf", "PDF"), ("xlsx", "Excel")):
        st.download_button(f"Télécharger le dossier ({label})", lambda k=kind: pack.render(p, k), file_name=p.file_name(kind),
                           mime=export.MIME[kind], key=f"pack_{kind}", icon=":material/download:", on_click="ignore",
                           type="primary" if kind == "pptx" else "secondary")
st.caption(f"{fmt.md(p.scope_title)} · année {int(year)} · données au {fmt.md(p.data_date)} · {len(p.batches)} lot(s) d'import. "
           "Le fichier est préparé au clic (quelques secondes la première fois).")
st.header("Contenu")
st.dataframe(ui.meeting_pack_contents(scope, year), hide_index=True, key="pack_contents")
