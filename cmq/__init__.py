"""Steering dashboard of the Campus des Métiers et des Qualifications.

Layers, each a package; a module imports only from its own layer and the ones below it (tests/test_house.py):
    core/     the contract, formats, accounts, the store and its one write door, the importer, queries, the demo
    outputs/  the registry of pages and figures, charts, display tables, exports, the meeting pack, templates
    app/      the Streamlit screens (the only code that imports Streamlit) and their pages
    dev/      synthetic data and the benchmark (never imported by the runtime)
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the checkout: queries/, data/, dashboard.py
