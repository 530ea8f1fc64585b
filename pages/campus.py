"""Campus: one campus's identity and its indicators with values and targets by year."""
import streamlit as st

from cmq import campus_view, ui

campuses = ui.run("campuses")
names = dict(zip(campuses["campus_id"], campuses["name"]))
code = st.selectbox("Campus", list(names), format_func=lambda c: f"{c} – {names[c]}", key="campus_pick",
                    index=list(names).index(st.query_params.get("campus")) if st.query_params.get("campus") in names else 0)
st.query_params["campus"] = code
info = campuses.set_index("campus_id").loc[code]
st.title(f"Campus {code} – {info['name']}")
campus_view.identity(info)
st.subheader("Indicateurs")
campus_view.indicator_table(ui.run("campus_indicator_values", campus=code))
