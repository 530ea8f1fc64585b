"""Reminders of a campaign: one French e-mail per campus that has not submitted its figures, to its directors (the
addresses of their accounts), saying what is missing and the deadline; sent through the SMTP server of CMQ_SMTP_URL
(smtp://host:port, smtp+starttls://user:password@host:587, smtps://…) from CMQ_SMTP_FROM."""
from __future__ import annotations

import os
import smtplib
import ssl
from datetime import date
from email.message import EmailMessage
from urllib.parse import unquote, urlparse

from cmq.core import cycle, fmt, permissions, queries
from cmq.core.store import StoreError

SENDER = "pilotage-cmq@localhost"


def messages(store, year: int, today: date | None = None, sight=None) -> tuple[dict[str, EmailMessage], list[str]]:
    """The reminders to send, by campus `sight` reads (None: every one), and the campuses no reminder can reach (no
    director with an address)."""
    today = today or date.today()
    progress = cycle.progress(store, year, today, sight=sight)
    waiting = progress[~progress["status"].isin(["soumis", "valide"])]
    directors = [a for a in store.accounts().values() if permissions.ROLES[a["role"]].scoped]  # bounded by their campuses
    values = queries.run("iptt", store=store, year=int(year))
    out, unreachable = {}, []
    for r in waiting.itertuples():
        to = sorted({a["email"] for a in directors if a.get("email") and
                     permissions.allowed(a, "submit", permissions.on(r.campus_id))})
        if not to:
            unreachable.append(r.campus_id)
            continue
        missing = values[(values["campus_id"] == r.campus_id) & values["actual"].isna()]
        asked = store.campaign(year)["campuses"][r.campus_id].get("expected")
        if asked is not None:
            missing = missing[missing["indicator_id"].isin(asked)]
        deadline = date.fromisoformat(r.deadline)
        left = int(r.days_left)  # a whole number of days (the column is a float where a campus has submitted)
        when = (f"La date limite est le {fmt.day(deadline)} (dans {left} jour(s))." if left >= 0 else
                f"La date limite était le {fmt.day(deadline)} : la remontée est en retard de {-left} jour(s).")
        lines = ["Bonjour,", "",
                 f"Les chiffres {year} {fmt.of(r.campus_id)} sont « {r.status_label} » dans la campagne de remontée.",
                 when,
                 f"Indicateurs renseignés : {r.reported} sur {r.expected}."]
        if r.reason:
            lines.append(f"Ils vous ont été renvoyés : {r.reason}")
        if len(missing):
            lines += ["", "Indicateurs sans valeur :"] + [f"- {m.indicator_id} · {m['name']}" for _, m in
                                                              missing.head(40).iterrows()]
            if len(missing) > 40:
                lines.append(f"… et {len(missing) - 40} autre(s).")
        lines += ["", "Renseignez-les dans « Saisir des valeurs » ou par « Importer des données », puis « Soumettre ».",
                  "", "Le tableau de pilotage des Campus des métiers et des qualifications"]
        msg = EmailMessage()
        msg["Subject"] = f"Campagne {year} : chiffres {fmt.of(r.campus_id)} attendus"
        msg["From"] = os.environ.get("CMQ_SMTP_FROM", SENDER)
        msg["To"] = ", ".join(to)
        msg.set_content("\n".join(lines))
        out[r.campus_id] = msg
    return out, unreachable


def send_and_record(store, year: int, msgs: dict[str, EmailMessage], user: str | None, url: str | None = None) -> None:
    """Send the reminders of `msgs` (campus → message), then keep in the campaign's steps who was reminded, when and
    to which addresses: nothing is recorded when the server did not take them."""
    store.refuse_reminder(user)
    send(list(msgs.values()), url)
    store.record_reminders(year, {c: [a.strip() for a in m["To"].split(",")] for c, m in msgs.items()}, user=user)


def configured() -> bool:
    return bool(os.environ.get("CMQ_SMTP_URL"))


SMTP_CA_FILE = "CMQ_SMTP_CA_FILE"  # a private certificate authority's file, for a server the system does not trust


def _tls() -> ssl.SSLContext:
    """Certificates verified against the system's trust store (or CMQ_SMTP_CA_FILE), the host name checked."""
    return ssl.create_default_context(cafile=os.environ.get(SMTP_CA_FILE) or None)


def send(msgs: list[EmailMessage], url: str | None = None) -> None:
    """Through the SMTP server of `url` (CMQ_SMTP_URL), one connection for all. Over TLS (smtps://, or
    smtp+starttls://) the server's certificate is verified; a password never goes over plain smtp://."""
    url = url or os.environ.get("CMQ_SMTP_URL")
    if not url:
        raise StoreError("Aucun serveur de messagerie : réglez CMQ_SMTP_URL (par exemple smtp://localhost:25).")
    u = urlparse(url)
    if u.scheme not in ("smtp", "smtps", "smtp+starttls") or not u.hostname:
        raise StoreError(f"CMQ_SMTP_URL illisible : « {u.scheme}://… » (smtp://, smtp+starttls:// ou smtps://hôte:port).")
    if u.username and u.scheme == "smtp":
        raise StoreError("CMQ_SMTP_URL donne un mot de passe sur une connexion non chiffrée (smtp://) : utilisez "
                         "smtp+starttls:// ou smtps://, le mot de passe ne part jamais en clair.")
    try:
        if u.scheme == "smtps":
            server = smtplib.SMTP_SSL(u.hostname, u.port or 465, timeout=30, context=_tls())
        else:
            server = smtplib.SMTP(u.hostname, u.port or 25, timeout=30)
        with server:
            if u.scheme == "smtp+starttls":
                server.starttls(context=_tls())
            if u.username:
                server.login(unquote(u.username), unquote(u.password or ""))
            for msg in msgs:
                server.send_message(msg)
    except ssl.SSLCertVerificationError as exc:
        raise StoreError(f"Le certificat du serveur de messagerie {u.hostname} n'est pas reconnu ({exc.verify_message}) : "
                         f"rien n'a été envoyé. Pour une autorité de certification privée, donnez son fichier dans "
                         f"{SMTP_CA_FILE}.") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise StoreError(f"Le serveur de messagerie {u.hostname} n'a pas pris les messages : {exc}.") from exc
