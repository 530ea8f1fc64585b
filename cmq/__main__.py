"""The command line: python -m cmq COMMAND … (messages in French; exit 0 success, 1 refused or failed, 2 usage)."""
from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from pathlib import Path

import duckdb
import pandas as pd

from cmq import ROOT
from cmq.core import auth, demo, fmt, ingest, permissions, queries, schema
from cmq.core.demo import open_store
from cmq.core.store import Store, StoreError, store_at
from cmq.outputs import templates

READ_ONLY = {duckdb.StatementType.SELECT}


class Parser(argparse.ArgumentParser):
    """argparse with French usage errors and exit code 2."""

    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"Erreur d'utilisation : {message}", file=sys.stderr)
        sys.exit(2)


def fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def output(df: pd.DataFrame, form: str) -> None:
    if form == "json":
        print(df.to_json(orient="records", force_ascii=False, date_format="iso"))
    else:
        sys.stdout.write(df.to_csv(index=False))


def value(text: str):
    """A --param value: null, integer, list (comma-separated) or text."""
    if text.lower() in ("", "null", "none"):
        return None
    if "," in text:
        return [value(t.strip()) for t in text.split(",") if t.strip()]
    if text.lstrip("-").isdigit():
        return int(text)
    return text


COMMANDS: list[list] = []  # [path, help, arguments, handler, defaults], in the order of the help
GROUPS = {"store": "copier un magasin entier (dossier Parquet ou base PostgreSQL) vers un magasin neuf",
          "campaign": "les campagnes de remontée des chiffres", "user": "gérer les comptes"}


def arg(*names: str, **options) -> tuple:
    """One argument of a command, as argparse's add_argument takes it."""
    return names, options


def command(path: str, helptext: str, *arguments: tuple, **defaults):
    """Declare a command (« campaign open »: a group and its command) with its arguments, beside its handler. Listed
    in the order written (stacked declarations of one handler too)."""
    declared = [path, helptext, arguments, None, defaults]
    COMMANDS.append(declared)

    def declare(handler):
        declared[3] = handler
        return handler
    return declare


@command("demo", "construire le magasin à partir de data/demo",
         arg("--force", action="store_true", help="effacer le magasin d'abord"))
def cmd_demo(a) -> int:
    store = store_at()
    if not store.is_empty():
        if not a.force:
            return fail("Le magasin contient déjà des données. Ajoutez --force pour l'effacer et reconstruire la démonstration.")
        demo.refuse_if_real(store)  # before anything is erased
        store.reset()
    reports = store.write(demo.build)
    rows = sum(r.inserted + r.updated for r in reports)
    print(f"Démonstration construite : {len(reports)} fichiers, {rows} lignes importées dans {store.where}.")
    return 0


def warn_damage(store: Store) -> None:
    """On standard error: the damaged data files the answer had to leave out (the answer itself still comes)."""
    for line in store.damaged.get(store.version(), []):
        print(f"Attention : {line}", file=sys.stderr)


@command("sql", "requête SQL en lecture seule sur les vues",
         arg("query"), arg("--format", choices=("csv", "json"), default="csv"))
def cmd_sql(a) -> int:
    try:
        statements = duckdb.extract_statements(a.query)
    except duckdb.Error as exc:
        return fail(f"Requête SQL invalide : {exc}")
    if len(statements) != 1:
        return fail("Donnez une seule requête SQL (select …).")
    if statements[0].type not in READ_ONLY:
        return fail("Lecture seule : seules les requêtes « select » sont acceptées. "
                    "Pour modifier des données, importez un fichier (python -m cmq import).")
    store = open_store()
    con = store.sandboxed()
    try:
        df = con.sql(a.query).to_arrow_table().to_pandas()  # through Arrow: no module to miss, no warning
    except duckdb.PermissionException:
        return fail("Lecture seule sur les vues du magasin : une requête ne lit ni fichier hors du magasin, ni adresse "
                    "web, ni extension. Interrogez les vues (campuses, actions, reach, funding…).")
    except duckdb.Error as exc:  # DuckDB's own words, first line only (never a traceback it may carry)
        return fail(f"La requête a échoué : {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}")
    finally:
        con.close()
    warn_damage(store)
    output(df, a.format)
    return 0


@command("query", "exécuter une requête de queries/",
         arg("name"), arg("--param", action="append", metavar="NOM=VALEUR"),
         arg("--user", metavar="COMPTE", help="répondre seulement ce que ce compte peut lire (sans : tout le magasin, "
             "pour le propriétaire de la machine)"),
         arg("--format", choices=("csv", "json"), default="csv"))
def cmd_query(a) -> int:
    params = {}
    for p in a.param or []:
        if "=" not in p:
            return fail(f"Paramètre mal écrit : « {p} ». Écrivez --param nom=valeur.")
        k, v = p.split("=", 1)
        params[k.strip()] = value(v.strip())
    store = open_store()
    sight = None
    if a.user is not None:
        account = store.account(a.user)
        if why := permissions.refusal(account, "read", name=a.user, regions_of=store.regions_for(account)):
            return fail(f"{why} : rien n'est lu.")
        sight = store.sight(account)
    try:
        df = queries.run(a.name, store=store, sight=sight, **params)
    except queries.QueryError as exc:
        return fail(str(exc))
    except duckdb.Error as exc:
        return fail(f"La requête a échoué : {exc}")
    warn_damage(store)
    output(df, a.format)
    return 0


@command("import", "importer un fichier CSV ou XLSX",
         arg("table", choices=list(schema.TABLES)), arg("file"), arg("--campus"), arg("--user"), arg("--sheet"),
         arg("--dry-run", action="store_true"), arg("--json", action="store_true"))
def cmd_import(a) -> int:
    path = Path(a.file)
    if not path.is_file():
        return fail(f"Fichier introuvable : {a.file}")
    if not a.dry_run and not a.user:
        return fail("Précisez --user NOM : le compte au nom duquel importer (python -m cmq user list).")
    store = open_store()
    rep = ingest.import_bytes(store, a.table, path.read_bytes(), path.name, user=a.user, campus=a.campus,
                              dry_run=a.dry_run, sheet=a.sheet)
    if a.json:
        print(json.dumps(rep.as_json(), ensure_ascii=False, default=str))
    else:
        for w in rep.warnings:
            print(f"Attention : {w}")
        for e in rep.errors:
            where = ", ".join(x for x in (f"ligne {e['line']}" if e["line"] else "", e["column"] or "") if x)
            print(f"Erreur{' (' + where + ')' if where else ''} : {e['message']}")
        print({
            "committed": f"Importé : lot {rep.batch_id}, {rep.inserted} ajoutée(s), {rep.updated} modifiée(s), "
                         f"{rep.unchanged} inchangée(s).",
            "valid": f"Fichier valide (essai, rien n'est écrit) : {rep.inserted} à ajouter, {rep.updated} à modifier, "
                     f"{rep.unchanged} inchangée(s).",
            "unchanged": f"Rien à importer : les {rep.unchanged} ligne(s) sont déjà dans le magasin.",
            "rejected": f"Fichier refusé : {len(rep.errors)} erreur(s). Rien n'a été écrit.",
        }[rep.status])
    return 1 if rep.status == "rejected" else 0


@command("template", "modèle d'import d'une table",
         arg("table", choices=list(schema.TABLES)), arg("--campus"),
         arg("--year", type=int, help="l'année des lignes du modèle (par défaut la dernière année connue)"),
         arg("--format", choices=("csv", "xlsx"), default="csv"), arg("--out"))
def cmd_template(a) -> int:
    store = open_store()
    if a.campus and a.campus not in set(store.current("campuses")["campus_id"]):
        return fail(f"Campus inconnu : {a.campus}.")
    data = (templates.xlsx_bytes if a.format == "xlsx" else templates.csv_bytes)(store, a.table, a.campus, a.year)
    if a.out:
        Path(a.out).write_bytes(data)
        print(f"Modèle écrit dans {a.out}.")
    elif a.format == "xlsx":
        return fail("Un modèle Excel ne s'affiche pas dans le terminal : ajoutez --out fichier.xlsx.")
    else:
        sys.stdout.write(data.decode("utf-8-sig"))
    return 0


@command("export", "produire le dossier de séance (PowerPoint, PDF ou Excel) ou le tableau de suivi",
         arg("--scope", required=True, metavar="region|CAMPUS", help="la région (tous les campus) ou un code campus"),
         arg("--year", required=True, type=int),
         arg("--format", required=True, choices=("pptx", "pdf", "xlsx", "iptt"),
             help="pptx, pdf, xlsx : le dossier de séance ; iptt : le tableau de suivi des indicateurs (Excel)"),
         arg("--out", required=True))
def cmd_export(a) -> int:
    from cmq.outputs import iptt, pack

    if a.format == "iptt":
        return _written(a, "Tableau de suivi des indicateurs", lambda scope: iptt.workbook(open_store(), scope, a.year))
    return _written(a, "Dossier de séance",
                    lambda scope: pack.render(pack.build_from_store(open_store(), scope, a.year), a.format))


@command("report", "écrire le rapport d'activité annuel (Word modifiable ou PDF)",
         arg("--scope", required=True, metavar="region|CAMPUS", help="la région (tous les campus) ou un code campus"),
         arg("--year", required=True, type=int), arg("--format", required=True, choices=("docx", "pdf")),
         arg("--out", required=True))
def cmd_report(a) -> int:
    from cmq.outputs import report

    return _written(a, "Rapport d'activité",
                    lambda scope: report.render(report.build_from_store(open_store(), scope, a.year), a.format))


def _written(a, what: str, make) -> int:
    """Write what `make(scope)` returns to --out, whole or not at all; French errors."""
    from cmq.outputs.export import ExportError

    scope = "region" if a.scope.lower() in ("region", "région") else a.scope
    out = Path(a.out)
    if not out.parent.is_dir():
        return fail(f"Dossier introuvable : {out.parent}.")
    try:
        data = make(scope)
    except ExportError as exc:
        return fail(str(exc))
    tmp = out.with_name(out.name + ".partiel")
    tmp.write_bytes(data)  # a reader of --out never sees half a file
    tmp.replace(out)
    print(f"{what} écrit dans {out} ({len(data) // 1024} Ko).")
    return 0


@command("compact", "fusionner l'historique de chaque table en un fichier (rien n'est perdu)")
def cmd_compact(a) -> int:
    store = open_store()
    merged = store.compact()
    if not isinstance(store, Store):
        print("Base PostgreSQL : pas de fichiers à fusionner ; tables nettoyées et statistiques mises à jour "
              "(VACUUM ANALYZE). Rien n'est perdu.")
        return 0
    print("Rien à compacter." if not merged else "Compacté : " + ", ".join(f"{t} ({n} fichiers)" for t, n in merged.items()))
    return 0


@command("db", "le schéma de la base PostgreSQL (CMQ_DATABASE_URL) : mise à jour, état",
         arg("action", choices=("upgrade", "status"), help="upgrade : appliquer les migrations ; status : où en est la base"),
         arg("--database-url", help="par défaut CMQ_DATABASE_URL"))
def cmd_db(a) -> int:
    from cmq.core.store import postgres

    url = a.database_url or os.environ.get("CMQ_DATABASE_URL")
    if not url or not postgres.is_url(url):
        return fail("Donnez l'adresse de la base (CMQ_DATABASE_URL=postgresql://… ou --database-url) : le magasin "
                    "embarqué (dossier Parquet) n'a pas de schéma à mettre à jour.")
    if a.action == "upgrade":
        done = postgres.upgrade(url)
        print(("Migrations appliquées : " + ", ".join(done) + "." if done else "Rien à faire : le schéma est à jour")
              + f" Schéma {postgres.code_schema()}.")
        return 0
    psycopg = postgres.psycopg_module()
    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            at = postgres.applied(conn)
    except psycopg.OperationalError as exc:
        raise postgres.unavailable(exc) from None
    print(f"Schéma de la base : {at} ; schéma de l'application : {postgres.code_schema()}"
          + (" (à jour)." if at == postgres.code_schema() else
             " : lancez « python -m cmq db upgrade »." if at < postgres.code_schema() else
             " : la base est plus récente que l'application, mettez l'application à jour."))
    return 0 if at == postgres.code_schema() else 1


@command("store copy", "copier tout l'historique, les lots, les comptes et les campagnes",
         arg("--from", dest="source", required=True, metavar="DOSSIER_OU_URL"),
         arg("--to", dest="destination", required=True, metavar="DOSSIER_OU_URL"))
def cmd_store_copy(a) -> int:
    from cmq.core.store import transfer

    source, destination = store_at(a.source), store_at(a.destination)
    if source.is_pristine():
        return fail(f"La source {source.where} est vide ou n'existe pas : rien à copier.")
    copied = transfer.copy(source, destination)
    print(f"Copié de {source.where} vers {destination.where} : {copied['_batches']} lot(s), {copied['_reverts']} "
          f"annulation(s), {sum(n for k, n in copied.items() if not k.startswith('_'))} ligne(s) d'historique, "
          f"{len(destination.accounts())} compte(s).")
    return 0


@command("snapshot", "écrire chaque vue canonique en Parquet (archives, données ouvertes)",
         arg("--out", required=True, metavar="DOSSIER"),
         arg("--avec-noms", dest="with_names", action="store_true",
             help="garder les comptes qui ont importé ou annulé chaque lot (des noms de personnes)"))
def cmd_snapshot(a) -> int:
    from cmq.core.store import transfer

    written = transfer.snapshot(open_store(), Path(a.out), with_names=a.with_names)
    print(f"{len(written)} vues écrites en Parquet dans {a.out}"
          + (", avec les noms des comptes." if a.with_names else " (sans nom de personne : --avec-noms pour les garder)."))
    return 0


@command("bench", "mesurer les performances sur un magasin synthétique (cibles et références)",
         arg("--campuses", type=int, default=200), arg("--years", type=int, default=10),
         arg("--json", action="store_true", help="un objet JSON sur la sortie standard"),
         arg("--browser", action="store_true", help="mesurer aussi l'application dans Chromium"),
         arg("--keep", metavar="DOSSIER", help="garder (ou réutiliser) le magasin synthétique dans ce dossier"),
         arg("--reps", type=int, default=7, help="répétitions de chaque mesure (médiane et p95)"),
         arg("--small-batches", type=int, default=1000, help="petits lots importés avant la compaction"),
         arg("--database-url", metavar="postgresql://…",
             help="mesurer aussi le magasin partagé sur cette base PostgreSQL (vide), à côté du magasin embarqué"),
         arg("--load", type=int, nargs="+", metavar="N",
             help="à la place : N personnes ouvrant l'application en même temps (1 10 30 60…), sur la "
                  "démonstration servie par « cmq serve », mesurées au serveur"),
         arg("--imports", type=int, default=0, metavar="K",
             help="avec --load : K imports de valeurs d'indicateurs en même temps pendant que 20 lecteurs "
                  "naviguent (une échéance de campagne)"),
         arg("--processes", type=int, default=1, metavar="P",
             help="avec --load : P processus « cmq serve » derrière HAProxy (comme le README les déploie)"))
def cmd_bench(a) -> int:
    from cmq.dev import bench

    return bench.main(a)


@command("serve", "lancer l'application web",
         arg("--port", type=int, default=8501),
         arg("--address", default="127.0.0.1",
             help="adresse d'écoute (127.0.0.1 par défaut : derrière un proxy inverse ; 0.0.0.0 pour toutes)"),
         arg("--demo", action="store_true",
             help="construire la démonstration dans un magasin vide (jamais sans cette option ni CMQ_DEMO=1)"))
def cmd_serve(a) -> int:
    from streamlit.web import cli as streamlit_cli

    try:  # the web server believes X-Forwarded-For from these proxies only (none by default)
        os.environ["FORWARDED_ALLOW_IPS"] = auth.trusted_proxies(os.environ.get(auth.TRUSTED_PROXIES))
    except auth.AuthError as exc:
        return fail(str(exc))
    if a.demo:
        os.environ[demo.DEMO_SETTING] = "1"  # the app's own store opening builds it too, never anything else
    open_store().connect().close()  # the demo on a first start when asked, and the current version's read catalogue
    sys.argv = ["streamlit", "run", str(ROOT / "dashboard.py"),
                "--server.port", str(a.port), "--server.address", a.address]
    return streamlit_cli.main()


@command("batches", "lister les lots importés", arg("--campus"), arg("--json", action="store_true"))
def cmd_batches(a) -> int:
    df = queries.run("batch_history", store=open_store(), campus=a.campus)  # what « Historique » lists, newest first
    output(df, "json" if a.json else "csv")
    return 0


@command("check", "vérifier le magasin (manifeste, comptes, fichiers de données)",
         arg("--repair", action="store_true", help="rétablir le manifeste et les comptes depuis leur copie"))
def cmd_check(a) -> int:
    store = store_at()
    problems, repairs = store.check()
    if not problems:
        print("Magasin sain : aucun problème trouvé." if store.is_pristine() else
              f"Magasin sain : version {store.version()}, {store.check_summary()}, comptes lisibles.")
        return 0
    print("Problèmes trouvés :")
    for p in problems:
        print(f"- {p}")
    if a.repair and repairs and (done := store.repair()):
        print("Réparé :")
        for r in done:
            print(f"- {r}")
        return 0
    if repairs:
        print("Réparation possible (python -m cmq check --repair) :")
        for r in repairs:
            print(f"- {r}")
    return 1


@command("revert", "annuler un lot",
         arg("batch_id", type=int), arg("--user", required=True, help="le compte au nom duquel annuler"))
def cmd_revert(a) -> int:
    store = open_store()
    try:
        store.revert(a.batch_id, user=a.user)
    except StoreError as exc:
        return fail(str(exc))
    print(f"Lot {a.batch_id} annulé : les valeurs qu'il avait remplacées sont rétablies.")
    return 0


@command("campaign open", "ouvrir la campagne d'une année, avec sa date limite",
         arg("--year", required=True, type=int), arg("--deadline", required=True, metavar="AAAA-MM-JJ"),
         arg("--user", required=True, help="l'administrateur qui l'ouvre"),
         arg("--region", action="append", default=[], metavar="NOM",
             help="la région dont c'est la campagne (répétable ; sans : toutes celles de l'administrateur, chacune "
                  "sa campagne)"),
         arg("--expected", metavar="FICHIER.csv",
             help="les indicateurs attendus (« Code campus;Identifiant indicateur ») ; un campus absent du "
                  "fichier doit tous les indicateurs de son plan"))
@command("campaign extend", "reporter la date limite d'une campagne, ou d'un campus (un délai)",
         arg("--year", required=True, type=int), arg("--deadline", required=True, metavar="AAAA-MM-JJ"),
         arg("--campus", help="le campus qui obtient un délai (sans : toute la campagne)"),
         arg("--reason", help="pourquoi (gardé dans l'historique)"),
         arg("--region", metavar="NOM", help="la région dont la campagne est reportée (sans : toutes celles de "
             "l'administrateur)"),
         arg("--user", required=True, help="l'administrateur qui reporte"))
@command("campaign close", "clore une campagne (ses chiffres validés restent verrouillés)",
         arg("--year", required=True, type=int), arg("--user", required=True),
         arg("--region", metavar="NOM", help="la région dont la campagne est close (sans : toutes celles de "
             "l'administrateur)"))
@command("campaign list", "lister les campagnes (une ligne par année et région)", arg("--json", action="store_true"),
         arg("--region", metavar="NOM", help="celles de cette région seulement"))
@command("campaign status", "où en est chaque campus dans une campagne",
         arg("--year", required=True, type=int), arg("--json", action="store_true"),
         arg("--region", metavar="NOM", help="les campus de cette région seulement"))
def cmd_campaign(a) -> int:
    from datetime import date

    from cmq.core import cycle

    store = open_store()
    if a.action == "open":
        try:
            deadline = date.fromisoformat(a.deadline)
        except ValueError:
            return fail(f"Date limite illisible : « {a.deadline} » (écrivez AAAA-MM-JJ, par exemple 2020-01-31).")
        expected = cycle.expected_from_file(store, Path(a.expected).read_bytes(), a.expected) if a.expected else None
        regions = store.campus_regions()
        unknown = sorted(set(a.region) - set(regions.values()))
        if unknown:
            return fail(f"Aucun campus du magasin dans la région {', '.join(unknown)} : aucune campagne ouverte.")
        mine = store.campuses_of(store.account(a.user))
        campuses = [c for c, r in sorted(regions.items()) if (mine is None or c in mine) and (not a.region or r in a.region)]
        campaign = store.open_campaign(a.year, deadline, user=a.user, campuses=campuses or sorted(regions),
                                       expected=expected)
        opened = sorted({s["region"] for c, s in campaign["campuses"].items() if c in campuses} - {""})
        print(f"Campagne {a.year} ouverte jusqu'au {fmt.day(deadline)} pour {len(campuses)} campus"
              + (f" ({', '.join(opened)}, une campagne par région)" if opened else "") + ".")
    elif a.action == "extend":
        try:
            deadline = date.fromisoformat(a.deadline)
        except ValueError:
            return fail(f"Date limite illisible : « {a.deadline} » (écrivez AAAA-MM-JJ, par exemple 2020-01-31).")
        store.extend_campaign(a.year, deadline, user=a.user, campus=a.campus, reason=a.reason, region=a.region)
        print(f"Campagne {a.year} : date limite {fmt.of(a.campus) if a.campus else 'de la campagne'} reportée au "
              f"{fmt.day(deadline)}.")
    elif a.action == "close":
        store.close_campaign(a.year, user=a.user, region=a.region)
        print(f"Campagne {a.year}{' en ' + a.region if a.region else ''} close.")
    elif a.action == "list":
        rows = [{"year": y, "region": region, "deadline": r["deadline"], "opened_by": r["opened_by"],
                 "closed": bool(r["closed_at"]),
                 **{s: sum(1 for x in c["campuses"].values() if x["region"] == region and x["status"] == s)
                    for s in ("soumis", "valide")},
                 "campuses": sum(1 for x in c["campuses"].values() if x["region"] == region)}
                for y, c in store.campaigns().items() for region, r in sorted(c["regions"].items())
                if not a.region or region == a.region]
        output(pd.DataFrame(rows, columns=["year", "region", "deadline", "opened_by", "closed", "soumis", "valide",
                                           "campuses"]), "json" if a.json else "csv")
    else:  # status
        sight = None
        if a.region:
            sight = permissions.Sight(frozenset(c for c, r in store.campus_regions().items() if r == a.region))
        output(cycle.progress(store, a.year, sight=sight), "json" if a.json else "csv")
    return 0


@command("remind", "relancer par courriel les campus qui n'ont pas soumis (CMQ_SMTP_URL)",
         arg("--year", required=True, type=int),
         arg("--dry-run", action="store_true", help="afficher les messages sans les envoyer"),
         arg("--user", help="l'administrateur qui relance (sans : « ligne de commande », une tâche planifiée)"))
def cmd_remind(a) -> int:
    from cmq.core import remind

    store = open_store()
    sight = store.sight(store.account(a.user)) if a.user else None  # an administrator reminds its own region's campuses
    msgs, unreachable = remind.messages(store, a.year, sight=sight)
    for campus in unreachable:
        print(f"{campus} : aucun directeur n'a d'adresse de messagerie, pas de relance possible.", file=sys.stderr)
    if a.dry_run:
        for msg in msgs.values():
            print(f"À : {msg['To']}\nObjet : {msg['Subject']}\n\n{msg.get_content()}\n{'-' * 60}")
        return 0
    remind.send_and_record(store, a.year, msgs, a.user)
    print(f"{len(msgs)} relance(s) envoyée(s) pour la campagne {a.year} (gardées dans ses étapes).")
    return 0


STEP_DONE = {"submit": "soumis", "validate": "validés", "send_back": "renvoyés", "reopen": "rouverts"}


STEP_ARGS = (arg("--campus", required=True), arg("--year", required=True, type=int), arg("--user", required=True))


@command("submit", "soumettre les chiffres d'un campus (directeur)", *STEP_ARGS, step="submit")
@command("validate", "valider les chiffres d'un campus (administrateur) : ils sont verrouillés", *STEP_ARGS,
         step="validate")
@command("send-back", "renvoyer les chiffres d'un campus avec la raison (administrateur)", *STEP_ARGS,
         arg("--reason", required=True), arg("--indicator", help="l'indicateur en cause (sinon tout le campus)"),
         step="send_back")
@command("reopen", "rouvrir des chiffres validés, avec la raison (administrateur)", *STEP_ARGS,
         arg("--reason", required=True), step="reopen")
def cmd_step(a) -> int:
    from cmq.core import cycle

    store = open_store()
    store.campaign_step(a.step, a.year, a.campus, user=a.user, reason=getattr(a, "reason", None),
                        indicator=getattr(a, "indicator", None))
    print(f"Chiffres {a.year} {fmt.of(a.campus)} {STEP_DONE[a.step]}.")
    if a.step == "submit":
        reported, expected, missing = cycle.submission(store, a.year, a.campus)
        ids = list(missing["indicator_id"])
        print(cycle.said_of(reported, expected) + (" ; sans valeur : " + ", ".join(ids[:20]) if ids else "")
              + (f" et {len(ids) - 20} autre(s)" if len(ids) > 20 else "") + ".")
    return 0


def read_password(prompt: str = "Mot de passe : ") -> str:
    """From the terminal (asked twice, not echoed) or one line of standard input; never from the command line."""
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Confirmez : ") != first:
            raise auth.AuthError("Les deux mots de passe diffèrent.")
        return first
    return sys.stdin.readline().rstrip("\r\n")


@command("init", "créer un magasin réel (sans démonstration) et son premier administrateur",
         arg("--admin", required=True, metavar="NOM"), arg("--email"))
def cmd_init(a) -> int:
    store = store_at()
    try:
        store.init(auth.new_account(a.admin, "admin", password=read_password(), email=a.email, national=True))
    except (auth.AuthError, StoreError) as exc:
        return fail(str(exc))
    print(f"Magasin créé dans {store.where}, sans données de démonstration. Administrateur : {a.admin}.")
    return 0


@command("user add", "créer un compte (mot de passe demandé au terminal ou lu sur l'entrée standard)",
         arg("name"), arg("--role", required=True, choices=list(permissions.ROLES)),
         arg("--campus", action="append", default=[], help="campus d'un directeur (répétable)"),
         arg("--region", action="append", default=[], metavar="NOM",
             help="région d'un lecteur ou d'un administrateur régional (répétable)"),
         arg("--national", action="store_true", help="un lecteur ou un administrateur national"),
         arg("--user", metavar="COMPTE", help="le compte qui crée celui-ci (sa délégation s'applique ; sans --user : "
             "le propriétaire de la machine)"),
         arg("--email", help="adresse utilisée par l'authentification unique"))
def cmd_user_add(a) -> int:
    store = open_store()
    try:
        account = auth.new_account(a.name, a.role, a.campus, None, a.email, regions=a.region, national=a.national)
        store.put_account({**account, "password_hash": auth.hash_password(read_password())}, by=a.user)
    except (auth.AuthError, StoreError) as exc:
        return fail(str(exc))
    print(f"Compte {permissions.describe(store.account(a.name))} créé.")
    return 0


@command("user list", "lister les comptes", arg("--json", action="store_true"))
def cmd_user_list(a) -> int:
    store = open_store()
    rows = [{"name": x["name"], "role": x["role"], "scope": permissions.scope_words(x), "campuses": ",".join(x["campuses"]),
             "email": x.get("email") or "",
             "disabled": bool(x.get("disabled")), "waiting": auth.name_wait(store, x["name"]) is not None}
            for x in store.accounts().values()]
    output(pd.DataFrame(rows, columns=["name", "role", "scope", "campuses", "email", "disabled", "waiting"]),
           "json" if a.json else "csv")
    return 0


@command("user disable", "désactiver un compte", arg("name"), verb="disable")
@command("user enable", "réactiver un compte (et oublier ses essais infructueux)", arg("name"), verb="enable")
@command("user password", "changer le mot de passe d'un compte", arg("name"), verb="password")
def cmd_user_change(a) -> int:
    store = open_store()
    try:
        if a.verb == "password":
            store.update_account(a.name, password_hash=auth.hash_password(read_password("Nouveau mot de passe : ")))
            auth.end_sessions(store, a.name)  # a session opened with the old password ends
        else:
            store.update_account(a.name, disabled=a.verb == "disable")
        if a.verb != "disable":
            auth.lift_waits(store, a.name)
    except (auth.AuthError, StoreError) as exc:
        return fail(str(exc))
    print({"disable": "Compte désactivé", "enable": "Compte réactivé", "password": "Mot de passe changé"}[a.verb]
          + f" : {a.name}.")
    return 0


def parser() -> Parser:
    """The command line, from the commands declared beside their handlers (COMMANDS), in that order."""
    p = Parser(prog="python -m cmq", description="Pilotage des Campus des Métiers et des Qualifications.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    groups = {}
    for path, helptext, arguments, handler, defaults in COMMANDS:
        *group, name = path.split()
        where = sub
        if group:
            if group[0] not in groups:
                parent = sub.add_parser(group[0], help=GROUPS[group[0]])
                groups[group[0]] = parent.add_subparsers(dest="action", required=True, parser_class=Parser)
            where = groups[group[0]]
        cp = where.add_parser(name, help=helptext)
        for names, options in arguments:
            cp.add_argument(*names, **options)
        cp.set_defaults(func=handler, **defaults)
    return p


def quiet_libraries() -> None:
    """The connection pool's English (« error connecting in 'cmq-store'… ») goes to CMQ_LOG_FILE when set, never to
    the terminal: the command says what happened in French."""
    log = logging.getLogger("psycopg")
    log.propagate = False
    if path := os.environ.get("CMQ_LOG_FILE"):
        log.addHandler(logging.FileHandler(path, encoding="utf-8"))
    else:
        log.addHandler(logging.NullHandler())


def main(argv=None) -> int:
    quiet_libraries()
    a = parser().parse_args(argv)
    try:
        return a.func(a)
    except (demo.DemoError, StoreError) as exc:  # a damaged store, a refused write: French, no traceback
        return fail(str(exc))


if __name__ == "__main__":
    sys.exit(main())
