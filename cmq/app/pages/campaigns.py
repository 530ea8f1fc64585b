"""Campagnes: the coordinator opens a year's campaign with its deadline, then validates, sends back or reopens each
campus's figures."""
import streamlit as st

from cmq.app import cycle_view, session

account = session.guard("campaigns")
st.title("Campagnes de remontée")
st.caption("Une campagne par année et par région : chaque campus saisit, soumet ; le coordinateur valide (les chiffres sont alors "
           "verrouillés) ou renvoie avec la raison ; il peut rouvrir des chiffres validés.")
cycle_view.coordinator(account)
