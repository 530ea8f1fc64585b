"""The product's words: every code of the contract and every column a query returns, with its French label.
The contract (schema.py) uses the code lists; screens, charts and exports show the labels."""
from __future__ import annotations

SECTORS = (
    "Mobilité, aéronautique, transports terrestres et maritimes",
    "Tourisme, gastronomie",
    "Création, design, audiovisuel",
    "Chimie et biotechnologies",
    "Matériaux, matériaux innovants",
    "Infrastructures, bâtiment, éco-construction",
    "Transition énergétique, éco-industrie",
    "Systèmes innovants, mécatronique",
    "Services à la personne, bien-être",
    "Services aux entreprises, logistique",
    "Alimentaire, agroalimentaire",
    "Numérique, télécommunications",
)

REGIONS = (
    "Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté", "Bretagne", "Centre-Val de Loire", "Corse",
    "Grand Est", "Hauts-de-France", "Île-de-France", "Normandie", "Nouvelle-Aquitaine", "Occitanie",
    "Pays de la Loire", "Provence-Alpes-Côte d'Azur", "Guadeloupe", "Martinique", "Guyane",
    "La Réunion", "Mayotte",
)

# code -> French label, in display order.
LABELS = {"standard": "Standard", "excellence": "Excellence"}
CARRIER_TYPES = {
    "lycee": "Lycée",
    "enseignement_superieur": "Enseignement supérieur",
    "gip": "Groupement d'intérêt public",
    "association": "Association",
}
LEVELS = {"strategique": "Stratégique", "operationnel": "Opérationnel", "realisation": "Réalisation"}
UNITS = {"nombre": "Nombre", "euros": "Euros", "pourcentage": "Pourcentage", "oui_non": "Oui / non"}
DIRECTIONS = {"hausse": "À la hausse", "baisse": "À la baisse"}
PARTNER_TYPES = {
    "lycee": "Lycée",
    "college": "Collège",
    "cfa": "CFA",
    "enseignement_superieur": "Enseignement supérieur et recherche",
    "organisme_formation": "Organisme de formation",
    "entreprise": "Entreprise",
    "branche": "Branche professionnelle",
    "institution": "Institution",
    "plateforme_technologique": "Plate-forme technologique",
    "pole_competitivite": "Pôle de compétitivité ou cluster",
    "association": "Association",
}
STATUSES = {"prevue": "Prévue", "en_cours": "En cours", "terminee": "Terminée"}
STATUSES_PLURAL = {"prevue": "Prévues", "en_cours": "En cours", "terminee": "Terminées"}  # « 3 terminées » columns
AUDIENCES = {
    "collegiens": "Collégiens",
    "lyceens": "Lycéens",
    "collegiens_lyceens": "Collégiens et lycéens (groupe mixte)",  # one figure the source does not split
    "apprentis": "Apprentis",
    "etudiants": "Étudiants",
    "demandeurs_emploi": "Demandeurs d'emploi",
    "salaries": "Salariés",
    "enseignants": "Enseignants et formateurs",
    "encadrement_education": "Inspecteurs et personnels de direction de l'éducation",  # not teachers: never counted so
    "acteurs": "Acteurs et partenaires du campus",  # people: members, partners, participants of its meetings
    "entreprises": "Entreprises",
    "etablissements": "Établissements",
    "institutionnels": "Institutionnels",
    "grand_public": "Grand public",
}
FUNDER_TYPES = {
    "etat": "État",
    "region": "Région",
    "collectivite": "Collectivité",
    "europe": "Europe",
    "entreprise": "Entreprises et branches",
    "autre": "Autre",
}
FUNDING_KINDS = {"financier": "Financier", "en_nature": "En nature", "poste": "Poste"}
FUNDING_STATUSES = {"acquis": "Acquis", "prevu": "Prévu", "demande": "Demandé"}
CRITERION_LEVELS = {"0": "À engager", "1": "En cours", "2": "Atteint", "3": "Au-delà"}
# governance milestones: what happened (or will) on a date, for a campus or the whole region
MILESTONE_KINDS = {
    "labellisation": "Labellisation", "recrutement": "Recrutement", "comite_pilotage": "Comité de pilotage régional",
    "crefop": "CREFOP", "conseil_perfectionnement": "Conseil de perfectionnement",
    "assemblee_generale": "Assemblée générale", "inauguration": "Inauguration", "portage": "Structure porteuse",
    "autre": "Autre",
}
MILESTONE_STATUSES = {"passe": "Passé", "prevu": "Prévu"}
# whether a criterion's level is written as such by its source (or declared by the campus), or read from its text
LEVEL_BASIS = {"enonce": "énoncé par la source", "interprete": "interprété du texte de la source"}
LEVEL_BASES = {k: f"Niveau {v}" for k, v in LEVEL_BASIS.items()}
# the audiences that count structures (companies, schools, institutions), never added to people reached
STRUCTURE_AUDIENCES = ("entreprises", "etablissements", "institutionnels")


def audience_label(code: str) -> str:
    """An audience's name, « (structures) » after those that count companies, schools or institutions (every chart,
    table and document names them so: a count of structures is never read as people)."""
    label = AUDIENCES.get(code, code)
    return f"{label} (structures)" if code in STRUCTURE_AUDIENCES else label


# what an indicator's value says, year by year (the completeness figures and the Campus page)
INDICATOR_STATES = {"renseigne": "Valeur renseignée", "inconnu": "Déclarée inconnue", "manquant": "Manquante"}
# where an indicator stands against its target (the thresholds: steering.py)
INDICATOR_STATUS = {"atteint": "Cible atteinte", "en_bonne_voie": "En bonne voie", "en_retard": "En retard sur la cible",
                    "sans_cible": "Renseigné, sans cible", "non_renseigne": "Non renseigné"}
# the same statuses as a table's cell says them (the tracking table, its workbook, the annual report), in the order a
# reader ranks them
INDICATOR_STATUS_WORDS = {"atteint": "atteint", "en_bonne_voie": "en bonne voie", "en_retard": "en retard",
                          "sans_cible": "sans cible", "non_renseigne": "non renseigné"}
# the levels of a campus's objective tree
NODE_KINDS = {"campus": "Campus", "strategique": "Objectif stratégique", "operationnel": "Objectif opérationnel",
              "realisation": "Réalisation", "indicateur": "Indicateur"}

# French headers of the columns queries return besides the contract's own (schema.column_label reads both)
COLUMNS = {
    # the tracking table (query iptt)
    "objective_path": "Objectif", "baseline": "Référence", "actual": "Réalisé", "year_actual": "Réalisé de l'année",
    "year_target": "Cible de l'année", "share_of_target": "Part de la cible",
    "campus_name": "Campus", "action_title": "Action", "audience_label": "Public", "file_name": "Fichier importé",
    "user_name": "Importé par", "committed_at": "Importé le", "batch_id": "Lot", "reached": "Nombre touché",
    "actions": "Actions", "includes_estimates": "Comprend des ordres de grandeur", "figures": "Chiffres",
    "figures_with_women": "Chiffres donnant le nombre de femmes", "reached_with_women": "Touchés (chiffres avec femmes)",
    "acquired_eur": "Acquis (€)", "expected_eur": "Prévu ou demandé (€)", "lines_amount_unknown": "Lignes sans montant",
    "lines": "Lignes", "campuses": "Campus", "people_reached": "Personnes touchées", "indicators": "Indicateurs",
    "with_value": "Indicateurs renseignés", "declared_unknown": "Déclarés inconnus", "state": "État",
    "objective_title": "Objectif", "node_id": "Identifiant", "kind": "Nature", "objectives": "Objectifs",
    "table_name": "Table", "rows": "Lignes", "inserted": "Ajoutées", "updated": "Modifiées", "unchanged": "Inchangées",
    "reverted_at": "Annulé le", "reverted_by": "Annulé par", "reverted": "Annulé", "title": "Intitulé",
    "amount_eur": "Montant (€)", "women": "Dont femmes",
    "campus_ids": "Codes des campus", "funding_known_eur": "Financements acquis connus (€)",
    "structures_reached": "Structures touchées",
}
# columns holding codes, shown as their French label (actions' and funding lines' statuses never share a code)
CODES = {
    "audience": AUDIENCES, "status": STATUSES | FUNDING_STATUSES, "funder_type": FUNDER_TYPES, "label": LABELS,
    "carrier_type": CARRIER_TYPES, "unit": UNITS, "direction": DIRECTIONS, "state": INDICATOR_STATES,
    "kind": FUNDING_KINDS | LEVELS | {"campus": "Campus", "indicateur": "Indicateur"},
    "level": LEVELS | {int(k): v for k, v in CRITERION_LEVELS.items()}, "level_basis": LEVEL_BASES,
    "milestone_kind": MILESTONE_KINDS, "milestone_status": MILESTONE_STATUSES,
}
YES_NO = ("approximate", "cumulative", "includes_estimates", "reverted")  # booleans shown as oui / non
