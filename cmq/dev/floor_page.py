"""The floor of the page benchmark (`python -m cmq bench`): a bare Streamlit page the usual way — two plotly charts,
four metrics and a table drawn afresh on every run from figures of the demo's size, nothing read from a store. A page
of the app is measured against what this one costs in the same run."""
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

CAMPUSES = ["AGT", "AMF", "MMA", "MSI", "PIM", "TMI"]
AUDIENCES = ["Collégiens", "Lycéens", "Étudiants", "Enseignants", "Entreprises"]

year = st.sidebar.selectbox("Année", [2018, 2017], key="flt_year")
reach = pd.DataFrame([(c, a, (i * 37 + j * 11 + year) % 900) for i, c in enumerate(CAMPUSES)
                      for j, a in enumerate(AUDIENCES)], columns=["campus", "public", "touchés"])
st.title(f"Plancher {year}")
for column, (label, value) in zip(st.columns(4), [("Campus", 6), ("Actions", 110), ("Touchés", int(reach["touchés"].sum())),
                                                   ("Financements", "1 234 567 €")]):
    column.metric(label, value)
bars = go.Figure([go.Bar(x=reach.loc[reach["public"] == a, "campus"], y=reach.loc[reach["public"] == a, "touchés"], name=a)
                  for a in AUDIENCES])
bars.update_layout(barmode="stack", title="Publics touchés par campus", height=420)
st.plotly_chart(bars, key="floor_bars")
totals = reach.groupby("public", as_index=False)["touchés"].sum()
share = go.Figure(go.Pie(labels=totals["public"], values=totals["touchés"], hole=0.5))
share.update_layout(title="Répartition par public", height=420)
st.plotly_chart(share, key="floor_share")
st.dataframe(reach, hide_index=True)
