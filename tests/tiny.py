"""A tiny store of a few rows per table, built through the import path, for one test per query."""
from __future__ import annotations

from cmq.core import auth, ingest
from cmq.core.store import Store

FILES = {  # table: the French CSV a director or the coordinator would send
    "campuses": "Code campus;Nom;Région;Filière;Label;Latitude;Longitude\n"
                "AAA;Campus A;Bourgogne-Franche-Comté;Tourisme, gastronomie;standard;47,3;5,0\n"
                "BBB;Campus B;Bourgogne-Franche-Comté;Systèmes innovants, mécatronique;excellence;47,2;6,0\n",
    "criteria": "Numéro du critère;Intitulé\n1;Gouvernance\n",
    "partners": "Identifiant partenaire;Nom;Type\nP1;Lycée Un;lycee\nP2;Lycée Deux;lycee\nP3;Entreprise Trois;entreprise\n",
    "objectives": "Identifiant objectif;Code campus;Objectif parent;Niveau;Intitulé;Ordre\n"
                  "AAA-S1;AAA;;strategique;Connaître les besoins;1\nAAA-S1-O1;AAA;AAA-S1;operationnel;Rencontrer;1\n",
    "indicators": "Identifiant indicateur;Code campus;Identifiant objectif;Intitulé;Unité;Sens;Cumulatif;"
                  "Valeur de référence;Année de référence\n"
                  "AAA-I1;AAA;AAA-S1-O1;Rencontres;nombre;hausse;non;;\nAAA-I2;AAA;AAA-S1;Cartographie;oui_non;hausse;non;non;2017\n"
                  "AAA-I3;AAA;AAA-S1-O1;Entreprises partenaires;nombre;hausse;oui;5;2017\n"
                  "AAA-I4;AAA;AAA-S1-O1;Jeunes accueillis;nombre;hausse;oui;;\n"
                  "AAA-I5;AAA;AAA-S1;Délai de réponse (jours);nombre;baisse;non;;\n",
    "actions": "Code campus;Identifiant action;Intitulé;Statut;Date de début;Date de fin;Année;Campus associés\n"
               "AAA;AAA-A1;Forum des métiers;terminee;01/02/2018;30/06/2018;2018;\n"
               "AAA;JOINT;Formation commune;en_cours;;;2018;BBB\n"
               "BBB;BBB-A1;Visite d'entreprises;prevue;;;2018;\n",
    "action_objectives": "Code campus;Identifiant action;Identifiant objectif\nAAA;AAA-A1;AAA-S1-O1\n",
    "campus_partners": "Code campus;Identifiant partenaire;Rôle\nAAA;P1;membre\nAAA;P2;membre\nAAA;P3;membre\n"
                       "BBB;P1;membre\n",
    "reach": "Code campus;Identifiant action;Année;Public;Précision du public;Nombre;Dont femmes\n"
             "AAA;AAA-A1;2018;lyceens;;10;4\nAAA;JOINT;2018;enseignants;;20;\nBBB;JOINT;2018;enseignants;;25;10\n"
             "BBB;BBB-A1;2018;entreprises;;3;\nAAA;AAA-A1;2019;lyceens;;5;\n"
             "AAA;JOINT;2018;enseignants;formateurs;6;\nBBB;JOINT;2018;enseignants;formateurs;4;\n",
    "funding": "Code campus;Financeur;Année;Programme;Type de financeur;Montant (€);Nature;Statut\n"
               "AAA;Région;2018;P1;region;1000;financier;acquis\nAAA;Rectorat;2018;Poste;etat;;poste;acquis\n"
               "BBB;Région;2018;P1;region;500;financier;prevu\n",
    "criteria_assessments": "Code campus;Numéro du critère;Année;Niveau\nAAA;1;2018;2\n",
    "milestones": "Identifiant jalon;Code campus;Date;Nature du jalon;Statut du jalon;Intitulé\n"
                  "REG-1;;2018-04-24;comite_pilotage;passe;Comité régional\nA-1;AAA;2018-09-20;assemblee_generale;passe;AG\n"
                  "B-1;BBB;2017-01-01;recrutement;passe;Directeur\n",
    # AAA-I1: 7 of 10 (70 %, a narrative), then a target only; AAA-I2: oui without a target, then non against oui;
    # AAA-I3, cumulative: 4 of 5, then 6 of 5 (10 of 10 so far), then a target only; AAA-I4, cumulative: 100 of 50,
    # then 20 of 50 (behind for the year alone, 120 of 100 so far: reached); AAA-I5 goes down: 11 for 10 (on track),
    # then 9 for 10 (reached)
    "indicator_values": "Code campus;Identifiant indicateur;Année;Valeur;Cible;Commentaire\n"
                        "AAA;AAA-I1;2018;7;10;recrutement tardif\nAAA;AAA-I2;2018;oui;;\nAAA;AAA-I1;2019;;10;\n"
                        "AAA;AAA-I2;2019;non;oui;prestataire défaillant\nAAA;AAA-I3;2018;4;5;\nAAA;AAA-I3;2019;6;5;\n"
                        "AAA;AAA-I3;2020;;5;\nAAA;AAA-I4;2018;100;50;salon régional\n"
                        "AAA;AAA-I4;2019;20;50;année sans salon\nAAA;AAA-I5;2018;11;10;\nAAA;AAA-I5;2019;9;10;\n",
}


def build(root) -> Store:
    store = Store(root)
    store.put_account(auth.new_account("admin", "admin", national=True))
    for table, text in FILES.items():
        rep = ingest.import_bytes(store, table, text.encode(), f"{table}.csv", user="admin")
        assert rep.status == "committed", (table, rep.errors)
    return store
