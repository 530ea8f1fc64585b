"""Pieces of the criteria page."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from cmq.core import fmt, schema, vocabulary


def excellence_gap(grid: pd.DataFrame, campus: str) -> None:
    """Criteria not yet reached, and what the « excellence » category requires beyond the standard label."""
    mine = grid[grid["campus_id"] == campus].sort_values("criterion_no")
    if mine["level"].isna().all():
        st.info(f"{fmt.md(campus)} n'a encore aucun positionnement sur les critères (le campus l'importe : table « Positionnement "
                "sur les critères ») : ce qui le sépare du label « excellence » s'affichera ici.", icon=":material/info:")
        return
    todo = mine[mine["level"].isna() | (mine["level"] < 2)]
    extra = mine[mine["excellence_requirement"].notna()]
    if todo.empty and extra.empty:
        st.success("Tous les critères sont atteints et aucune exigence supplémentaire n'est renseignée.")
        return
    rows = []
    for r in mine.itertuples():
        below = pd.isna(r.level) or r.level < 2
        if below or pd.notna(r.excellence_requirement):
            rows.append({
                "Critère": f"{r.criterion_no} – {r.title}",
                "Niveau": "Non renseigné" if pd.isna(r.level) else schema.CRITERION_LEVELS[str(int(r.level))]
                          + (f" ({vocabulary.LEVEL_BASIS['interprete']})" if r.level_basis == "interprete" else ""),
                "Ce qui manque": ("À atteindre pour tout label. " if below else "")
                                 + (f"Excellence : {r.excellence_requirement}" if pd.notna(r.excellence_requirement) else ""),
            })
    # a static table: each requirement read whole; its cells are Markdown, the texts are escaped
    st.table(pd.DataFrame(rows).map(fmt.md), hide_index=True, border="horizontal")
    st.caption(f"{len(todo)} critère(s) sous le niveau « atteint » ; {len(extra)} critère(s) avec une exigence propre à l'excellence.")
