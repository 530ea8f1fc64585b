"""The reporting cycle on the pages: where each campus stands in a campaign (Complétude), a director's status, reason
and « Soumettre » button (import, entry and Campus pages), the coordinator's steps (page « Campagnes »)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cmq.app import keys, ui
from cmq.core import cycle, fmt, remind
from cmq.core.store import StoreError
from cmq.core.store.campaigns import STATUSES

PINNED_CAMPUS = {"Campus": st.column_config.TextColumn(pinned=True)}  # a wide table scrolled on a phone keeps its row


def open_campaigns() -> dict[int, dict]:
    return {y: c for y, c in ui.campaigns().items() if not c["closed_at"]}


def progress_table(year: int) -> pd.DataFrame:
    """Each campus in the campaign of `year`, late ones first, in French."""
    p = cycle.progress(ui.store(), year, sight=ui.sight())
    return pd.DataFrame({
        "Campus": p["campus_id"], "Statut": p["status_label"], "Indicateurs attendus": p["expected"],
        "Renseignés": p["reported"],
        "Part renseignée": p["share_reported"].map(lambda v: "" if fmt.missing(v) else fmt.percent(v)),
        "Soumis le": p["submitted_at"].map(lambda d: "" if fmt.missing(d) else fmt.day(d)),
        "Ponctualité": p["timeliness"],
        "Jours restants": p["days_left"].map(lambda v: "" if fmt.missing(v) else fmt.number(v) if v >= 0 else
                                             f"dépassée de {fmt.number(-v)} j"),
        "Raison du renvoi": p["reason"].fillna(""),
        "Dernière relance": p["last_reminded"].map(lambda t: "" if fmt.missing(t) else fmt.moment(t)),
    })


def progress_panel(year: int | None) -> None:
    """The campaign of the year chosen, if any: its deadline and every campus's place in it."""
    campaigns = ui.campaigns()
    if year is None or int(year) not in campaigns:
        if campaigns:
            st.caption(f"Campagnes : {fmt.md(', '.join(str(y) for y in sorted(campaigns)))} (choisissez l'année pour les voir).")
        return
    c = campaigns[int(year)]
    st.header(f"Campagne {int(year)}")
    st.caption(f"Date limite : {fmt.day(date.fromisoformat(c['deadline']))}"
               + (" · close" if c["closed_at"] else "") + ". Les campus en retard d'abord.")
    st.dataframe(progress_table(int(year)), hide_index=True, key="cycle_progress", column_config=PINNED_CAMPUS)


def campus_notice(campus: str) -> None:
    """On a campus's pages: its status in each open campaign, and why its figures were sent back."""
    for year, c in sorted(open_campaigns().items()):
        state = c["campuses"].get(campus)
        if state is None:
            continue
        label = STATUSES[state["status"]]
        if state["status"] == "renvoye":
            p = cycle.progress(ui.store(), year, sight=ui.sight())
            reason = p.loc[p["campus_id"] == campus, "reason"].iloc[0]
            st.warning(f"Campagne {int(year)} : chiffres {fmt.md(fmt.of(campus))} renvoyés. Raison : {fmt.md(reason)}",
                       icon=":material/undo:")
        else:
            due = date.fromisoformat(state.get("deadline") or c["deadline"])  # an extension for this campus, or the campaign's
            st.info(f"Campagne {int(year)} : chiffres {fmt.md(fmt.of(campus))} « {fmt.md(label)} » (date limite : "
                    f"{fmt.day(due)}).", icon=":material/event:")


def submit_buttons(account: dict, campus: str | None) -> None:
    """« Soumettre » for a campus in each open campaign where it may be submitted."""
    if campus is None:
        return
    for year, c in sorted(open_campaigns().items()):
        state = c["campuses"].get(campus)
        if state is None or state["status"] not in ("a_saisir", "brouillon", "renvoye"):
            continue
        reported, expected, missing = cycle.submission(ui.store(), year, campus)
        st.caption(f"Campagne {int(year)} : {fmt.md(cycle.said_of(reported, expected))}. Soumettre, c'est déclarer les "
                   "chiffres complets : le coordinateur les valide ou les renvoie.")
        sure = True
        if len(missing):
            with st.expander(f"Indicateurs sans valeur ({len(missing):d})"):
                st.dataframe(missing.rename(columns={"indicator_id": "Identifiant", "name": "Intitulé"}),
                             hide_index=True, key=f"cycle_missing_{campus}_{year}")
            sure = st.checkbox(f"Je soumets quand même : il manque {len(missing):d} indicateur(s) (le coordinateur le "
                               "verra).", key=f"cycle_submit_sure_{campus}_{year}")
        if st.button(f"Soumettre les chiffres {year} {fmt.of(campus)}", key=f"cycle_submit_{campus}_{year}",
                     disabled=not sure):  # no tooltip: it would cover the confirmation just above
            _step("submit", year, campus, account["name"])


def _step(step: str, year: int, campus: str, user: str, **kw) -> None:
    try:
        ui.store().campaign_step(step, year, campus, user=user, **kw)
    except StoreError as exc:
        st.error(fmt.md(exc))
        return
    ui.clear_cache()
    st.session_state[keys.CYCLE_DONE] = {"submit": "soumis", "validate": "validés", "send_back": "renvoyés",
                                      "reopen": "rouverts"}[step]
    st.session_state[keys.CYCLE_DONE] = f"Chiffres {year} {fmt.of(campus)} {st.session_state[keys.CYCLE_DONE]}."
    st.rerun()


def done_message() -> None:
    if done := st.session_state.pop(keys.CYCLE_DONE, None):
        st.success(fmt.md(done), icon=":material/check_circle:")


def coordinator(account: dict) -> None:
    """The administrator's steps: open a campaign, then validate, send back (with a reason) or reopen a campus."""
    done_message()
    campaigns = ui.campaigns()
    with st.form("cycle_open"):
        st.markdown("**Ouvrir une campagne**")
        c1, c2 = st.columns(2)
        year = c1.number_input("Année", min_value=2000, max_value=date.today().year + 10, value=date.today().year - 1,
                               step=1, format="%d")
        # no deadline by default: pressing Enter in « Année » must not open a campaign due on a day nobody chose
        deadline = c2.date_input("Date limite", value=None, min_value=date.today(), format="DD/MM/YYYY")
        if st.form_submit_button("Ouvrir la campagne"):
            if deadline is None:
                st.error("Choisissez la date limite de la campagne : rien n'a été ouvert.")
                return
            try:
                ui.store().open_campaign(int(year), deadline, user=account["name"],
                                         campuses=ui.query("campuses")["campus_id"].tolist())
                ui.clear_cache()
                st.session_state[keys.CYCLE_DONE] = f"Campagne {int(year)} ouverte."
                st.rerun()
            except StoreError as exc:
                st.error(fmt.md(exc))
    if not campaigns:
        st.info("Aucune campagne pour l'instant.")
        return
    year = st.selectbox("Campagne", sorted(campaigns, reverse=True), key="cycle_year")
    st.dataframe(progress_table(year), hide_index=True, key="cycle_admin_progress", column_config=PINNED_CAMPUS)
    campus = st.selectbox("Campus", list(campaigns[year]["campuses"]), key="cycle_campus")
    status = campaigns[year]["campuses"][campus]["status"]
    st.caption(f"{fmt.md(campus)} : « {fmt.md(STATUSES[status])} ».")
    reason = st.text_input("Raison (pour renvoyer ou rouvrir : le directeur la lit)", key="cycle_reason")
    indicators = ui.query("iptt", campus=campus, year=year)["indicator_id"].tolist()
    indicator = st.selectbox("Indicateur en cause (facultatif)", [None] + indicators, key="cycle_indicator",
                             format_func=lambda i: "Tout le campus" if i is None else i)
    b1, b2, b3 = st.columns(3)
    if b1.button("Valider", key="cycle_validate", disabled=status != "soumis", type="primary"):
        _step("validate", year, campus, account["name"])
    if b2.button("Renvoyer", key="cycle_send_back", disabled=status not in ("brouillon", "soumis")):
        _step("send_back", year, campus, account["name"], reason=reason, indicator=indicator)
    if b3.button("Rouvrir", key="cycle_reopen", disabled=status != "valide"):
        _step("reopen", year, campus, account["name"], reason=reason)
    with st.expander("Étapes de la campagne"):
        st.dataframe(steps_table(year), hide_index=True)
    if not campaigns[year]["closed_at"]:
        reminders(year, account)
        deadlines(year, campaigns[year], account)
        closing(year, campaigns[year], account)


def reminders(year: int, account: dict) -> None:
    """Who has not submitted, the e-mail each campus's directors would receive (to whom, what is missing, the
    deadline), and one click to send them through CMQ_SMTP_URL; each sending is kept in the campaign's steps."""
    st.markdown("**Relancer les campus**")
    msgs, unreachable = remind.messages(ui.store(), year, sight=ui.sight())
    if not msgs and not unreachable:
        st.caption("Tous les campus de la campagne ont soumis leurs chiffres : personne à relancer.")
        return
    for campus in unreachable:
        st.warning(f"{fmt.md(campus)} n'a pas soumis ses chiffres et aucun de ses directeurs n'a d'adresse de messagerie "
                   "(« Administration des comptes ») : pas de relance possible.", icon=":material/unsubscribe:")
    if not msgs:
        return
    last = cycle.last_reminders(ui.campaigns()[int(year)])  # from the steps: no second reading of the progress
    chosen = st.multiselect("Campus à relancer (ceux qui n'ont pas soumis)", list(msgs), default=list(msgs),
                            key="remind_campuses", placeholder="Choisissez des campus")
    for campus in chosen:
        msg, when = msgs[campus], last.get(campus)
        with st.expander(f"Aperçu pour {fmt.md(campus)} — "
                         + (f"dernière relance le {fmt.md(fmt.moment(when))}" if not fmt.missing(when) else "jamais relancé")):
            st.code(f"À : {msg['To']}\nObjet : {msg['Subject']}\n\n{msg.get_content()}", language=None, wrap_lines=True)
    if not remind.configured():
        st.info("L'envoi demande un serveur de messagerie : l'administrateur du serveur règle CMQ_SMTP_URL (par "
                "exemple smtp://localhost:25, voir le README) puis relance l'application. Les aperçus ci-dessus sont "
                "les messages qui partiraient.", icon=":material/mail:")
    if st.button(f"Envoyer {len(chosen):d} relance(s)", key="remind_send", disabled=not chosen or not remind.configured(),
                 icon=":material/send:"):
        try:
            remind.send_and_record(ui.store(), year, {c: msgs[c] for c in chosen}, account["name"])
        except StoreError as exc:
            st.error(fmt.md(exc))
            return
        ui.clear_cache()
        st.session_state[keys.CYCLE_DONE] = f"{len(chosen):d} relance(s) envoyée(s) pour la campagne {int(year)}."
        st.rerun()


def deadlines(year: int, campaign: dict, account: dict) -> None:
    """Move the campaign's deadline, or give one campus more time; each move is kept in the campaign's steps."""
    with st.form("cycle_extend"):
        st.markdown("**Reporter une date limite**")
        c1, c2 = st.columns(2)
        who = c1.selectbox("Pour", [None, *campaign["campuses"]], key="cycle_extend_campus",
                           format_func=lambda c: "Toute la campagne" if c is None else f"Le campus {c} (un délai)")
        new = c2.date_input("Nouvelle date limite", value=None, min_value=date.today(), format="DD/MM/YYYY",
                            key="cycle_extend_date")
        why = st.text_input("Pourquoi (gardé dans les étapes)", key="cycle_extend_reason")
        if st.form_submit_button("Reporter"):
            if new is None:
                st.error("Choisissez la nouvelle date limite : rien n'a changé.")
                return
            try:
                ui.store().extend_campaign(year, new, user=account["name"], campus=who, reason=why)
            except StoreError as exc:
                st.error(fmt.md(exc))
                return
            ui.clear_cache()
            st.session_state[keys.CYCLE_DONE] = (f"Campagne {int(year)} : date limite "
                                              f"{fmt.of(who) if who else 'de la campagne'} reportée au {fmt.day(new)}.")
            st.rerun()


def closing(year: int, campaign: dict, account: dict) -> None:
    """Close the campaign, once its coordinator confirms what that locks."""
    validated = sum(1 for s in campaign["campuses"].values() if s["status"] == "valide")
    st.markdown("**Clore la campagne**")
    sure = st.checkbox(f"Je confirme : plus aucune étape dans la campagne {int(year)} (ni soumission, ni validation, ni "
                       f"renvoi, ni report) ; les chiffres validés ({validated:d} campus sur "
                       f"{len(campaign['campuses']):d}) restent verrouillés, les autres restent en saisie libre.",
                       key="cycle_close_sure")
    if st.button("Clore la campagne", key="cycle_close", disabled=not sure):
        ui.store().close_campaign(year, user=account["name"])
        ui.clear_cache()
        st.session_state[keys.CYCLE_DONE] = f"Campagne {int(year)} close."
        st.rerun()


def steps_table(year: int) -> pd.DataFrame:
    e = cycle.events(ui.store(), year, sight=ui.sight())
    return pd.DataFrame({"Le": e["at"].map(fmt.moment), "Campus": e["campus_id"], "Étape": e["step"], "Par": e["by"],
                         "Indicateur": e["indicator"], "Raison": e["reason"]})
