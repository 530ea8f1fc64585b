"""Who may do what, decided in one place.

An account holds a role; a role grants named actions (ACTIONS, each with its one-line description); a director's
actions are bounded by its campuses (`scope`). `refusal(account, action, resource)` says in French why an account may
not take an action on a resource, None when it may; `allowed` is its yes/no. The store's write door (commits,
reverts, campaign steps), the session's navigation, the page guards and the pages ask these two and nothing else
decides: no other module compares a role.

A resource is what the action touches: the campuses whose rows are written, replaced or pointed to (« » for a row of
the whole region), or something no campus owns (a table common to every campus, a campus's identity); no resource
means « somewhere in the account's scope » (may this account see the import page at all?).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    name: str
    description: str  # what it lets an account do, in French (the administration page lists them)
    verb: str  # how a refusal says it: « ne peut pas {verb} »


ACTIONS = {a.name: a for a in (
    Action("read", "Consulter toutes les pages, les exports, le dossier de séance et le rapport", "consulter"),
    Action("import", "Importer ou saisir les chiffres d'un campus", "importer"),
    Action("revert", "Annuler un import", "annuler cet import"),
    Action("submit", "Soumettre les chiffres d'un campus pour une campagne", "soumettre ces chiffres"),
    Action("validate", "Valider, renvoyer ou rouvrir les chiffres d'un campus dans une campagne",
           "valider, renvoyer ni rouvrir les chiffres d'un campus"),
    Action("run_campaigns", "Ouvrir, prolonger et clore une campagne, relancer les campus, suivre les chiffres en cours "
           "de saisie", "conduire une campagne"),
    Action("administer_accounts", "Créer, modifier, désactiver des comptes et leur donner des droits",
           "administrer les comptes"),
)}


@dataclass(frozen=True)
class Role:
    name: str
    label: str  # « Directeur de campus »
    plural: str  # « les directeurs de campus », for « réservé aux … »
    actions: frozenset[str]
    scoped: bool = False  # its actions are bounded by the account's campuses


ROLES = {r.name: r for r in (
    Role("lecteur", "Lecteur (comité de pilotage)", "lecteurs du comité de pilotage", frozenset({"read"})),
    Role("directeur", "Directeur de campus", "directeurs de campus", frozenset({"read", "import", "revert", "submit"}),
         scoped=True),
    Role("admin", "Administrateur", "administrateurs", frozenset(ACTIONS)),
)}
ROLE_LABELS = {r.name: r.label for r in ROLES.values()}


@dataclass(frozen=True)
class Resource:
    """What an action touches. `campuses`: the campuses concerned (« » for the whole region), None for « somewhere in
    the account's scope »; `shared`: why no campus owns it (in French), when none does; `touch`: how the campuses are
    touched, which a refusal says — « rows » written for them, rows they « own » that the write replaces or points
    to, campuses « joined » to an action as co-carriers."""
    campuses: frozenset[str] | None = None
    shared: str | None = None
    touch: str = "rows"


ANYWHERE = Resource()
IDENTITY_TABLES = {"campuses"}  # a campus's identity (name, region, sector, label): no campus writes its own


def on(*campuses: str | None, touch: str = "rows") -> Resource:
    """The resource of these campuses (None or « » for a row of the whole region)."""
    return Resource(frozenset(c or "" for c in campuses), touch=touch)


def rows_of(table, campuses: set[str]) -> Resource:
    """The resource of rows written to a table of the schema, for these campuses."""
    if table.name in IDENTITY_TABLES:
        return Resource(shared="La fiche d'un campus (nom, région, filière, label) est tenue par les administrateurs")
    if table.campus_column is None:
        return Resource(shared=f"La table {table.label} est commune à tous les campus")
    return on(*campuses)


def describe(account: dict) -> str:
    """« « directeur-agt » (directeur de AGT) »: how every message names an account."""
    who = f"« {account['name']} »"
    if ROLES[account["role"]].scoped:
        return f"{who} (directeur de {', '.join(account['campuses'])})"
    return f"{who} ({ {'lecteur': 'lecteur du comité de pilotage', 'admin': 'administrateur'}[account['role']] })"


def scope(account: dict | None) -> frozenset[str] | None:
    """The campuses the account's actions are bounded to; None when it is bounded by none."""
    if account and ROLES[account["role"]].scoped:
        return frozenset(account["campuses"])
    return None


def holders(action: str, unbounded: bool = False) -> str:
    """« aux directeurs de campus et aux administrateurs »: who may take an action (`unbounded`: on what no campus
    owns), for a refusal."""
    return " et ".join(f"aux {r.plural}" for r in ROLES.values() if action in r.actions and not (unbounded and r.scoped))


def _whom(campuses: frozenset[str], touch: str) -> str:
    if touch == "owned":
        return ", ".join(f"du campus {c}" if c else "de toute la région" for c in sorted(campuses))
    return ", ".join(c or "toute la région (lignes sans campus)" for c in sorted(campuses)) or "un campus non précisé"


def refusal(account: dict | None, action: str, resource: Resource = ANYWHERE, *, name: str | None = None) -> str | None:
    """Why `account` (looked up by `name`, which a refusal of a missing account quotes) may not take `action` on
    `resource`, in French, without its consequence (the caller says what was not done); None when it may."""
    act = ACTIONS[action]
    if account is None:
        return f"Le compte « {name or ''} » n'existe pas"
    if account.get("disabled"):
        return f"Le compte « {account['name']} » est désactivé"
    role = ROLES[account["role"]]
    who = describe(account)
    if action not in role.actions:
        if role.actions == {"read"}:
            return f"Le compte {who} peut consulter mais pas {act.verb}"
        return f"Le compte {who} ne peut pas {act.verb} (réservé {holders(action)})"
    bound = scope(account)
    if bound is None or (resource.campuses is None and not resource.shared):
        return None
    if resource.shared:
        return f"{resource.shared}, réservé(e) {holders(action, unbounded=True)} : le compte {who} ne peut pas {act.verb}"
    outside = resource.campuses - bound
    if resource.touch == "owned":
        return f"Le compte {who} ne peut pas modifier ni utiliser des données {_whom(outside, 'owned')}" if outside else None
    if resource.touch == "joined":
        return (f"Associer {', '.join(sorted(outside))} à une action la fait compter parmi les actions de ce campus : il "
                f"faut son accord, qu'un administrateur enregistre. Le compte {who} ne peut pas le faire seul"
                if outside else None)
    if outside or not resource.campuses:
        return f"Le compte {who} ne peut pas {act.verb} pour {_whom(outside, 'rows')}"
    return None


def allowed(account: dict | None, action: str, resource: Resource = ANYWHERE) -> bool:
    """May `account` take `action` on `resource`? (`refusal` says why not.)"""
    return refusal(account, action, resource) is None
