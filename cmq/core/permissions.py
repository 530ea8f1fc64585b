"""Who may do what, decided in one place.

An account holds a role and an explicit scope: campuses (a director), one or more regions, or the nation. A role
grants named actions (ACTIONS, each with its one-line description); a scope bounds them (`scope`: the campuses an
account's actions are bounded to, None for the nation). Scopes deny by default: an account whose scope is empty
reaches nothing. `refusal(account, action, resource)` says in French why an account may not take an action on a
resource, None when it may; `allowed` is its yes/no; `grant_refusal` says why an account may not create or change
another (delegation never widens); `sight` says what an account reads (its campuses, and the figures still in
progress it may not see). The store's write door (commits, reverts, campaign steps, accounts), its read connections,
the session's navigation, the page guards and the pages ask these and nothing else decides: no other module
compares a role.

Accounts written before scopes existed carry no « national » key: a reader or an administrator then reads as national
and a director keeps its campuses (a store of one region behaves as it did).

A resource is what the action touches: the campuses whose rows are written, replaced or pointed to (« » for a row of
the whole region), or something no campus owns (a table common to every campus, a campus's identity); no resource
means « somewhere in the account's scope » (may this account see the import page at all?).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


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
    Action("administer_accounts", "Créer, modifier, désactiver des comptes et leur donner des droits (dans son "
           "périmètre, jamais au-delà)", "administrer les comptes"),
)}


@dataclass(frozen=True)
class Role:
    name: str
    label: str  # « Directeur de campus »
    plural: str  # « les directeurs de campus », for « réservé aux … »
    actions: frozenset[str]
    scoped: bool = False  # its actions are bounded by the account's campuses
    rank: int = 0  # an account never gives a role ranked above its own


ROLES = {r.name: r for r in (
    Role("lecteur", "Lecteur (comité de pilotage)", "lecteurs du comité de pilotage", frozenset({"read"})),
    Role("directeur", "Directeur de campus", "directeurs de campus", frozenset({"read", "import", "revert", "submit"}),
         scoped=True, rank=1),
    Role("admin", "Administrateur", "administrateurs", frozenset(ACTIONS), rank=2),
)}
ROLE_LABELS = {r.name: r.label for r in ROLES.values()}


@dataclass(frozen=True)
class Resource:
    """What an action touches. `campuses`: the campuses concerned (« » for a row no campus owns), None for « somewhere
    in the account's scope »; `shared`: why no campus owns it (in French), when none does; `touch`: how the campuses
    are touched, which a refusal says — « rows » written for them, rows they « own » that the write replaces or
    points to, campuses « joined » to an action as co-carriers; `regions`: for a campus's identity, the regions its
    rows name and held (a regional administrator keeps its own campuses' records; moving one elsewhere is national);
    `whole_regions`: rows of no campus that belong to a region (its administrators write them, a director none)."""
    campuses: frozenset[str] | None = None
    shared: str | None = None
    touch: str = "rows"
    regions: frozenset[str] | None = None
    whole_regions: frozenset[str] = frozenset()  # regions rows of no campus belong to (a committee's milestones)


ANYWHERE = Resource()
IDENTITY_TABLES = {"campuses"}  # a campus's identity (name, region, sector, label): no campus writes its own


def on(*campuses: str | None, touch: str = "rows") -> Resource:
    """The resource of these campuses (None or « » for a row no campus owns)."""
    return Resource(frozenset(c or "" for c in campuses), touch=touch)


def rows_of(table, campuses: set[str], regions: set[str] | None = None, whole: set[str] = frozenset()) -> Resource:
    """The resource of rows written to a table of the schema, for these campuses (`regions`: for a campus's identity,
    the regions its rows name and the ones the store held for them; `whole`: the regions of rows of no campus)."""
    if table.name in IDENTITY_TABLES:
        return Resource(frozenset(campuses), regions=frozenset(regions or ()),
                        shared="La fiche d'un campus (nom, région, filière, label) est tenue par les administrateurs de "
                               "sa région")
    if table.campus_column is None:
        return Resource(shared=f"La table {table.label} est commune à tous les campus")
    return Resource(frozenset(c or "" for c in campuses), whole_regions=frozenset(whole))


# ------------------------------------------------------------------------------------------------ scopes
def is_national(account: dict) -> bool:
    """Whether the account's scope is the nation (an account written before scopes: a reader or an administrator)."""
    return bool(account.get("national", not ROLES[account["role"]].scoped))


def regions(account: dict) -> list[str]:
    """The regions an account's scope names (none for a director or a national account)."""
    return sorted(account.get("regions") or [])


def scope_words(account: dict) -> str:
    """« national », « région Bourgogne-Franche-Comté », « AGT, MSI »: an account's scope as a message says it."""
    if ROLES[account["role"]].scoped:
        return ", ".join(account.get("campuses") or []) or "aucun campus"
    if is_national(account):
        return "national"
    named = regions(account)
    return ("région " if len(named) == 1 else "régions ") + ", ".join(named) if named else "aucun périmètre"


def describe(account: dict) -> str:
    """« « directeur-agt » (directeur de AGT) », « « lecteur-bfc » (lecteur, région Bourgogne-Franche-Comté) »: how
    every message names an account."""
    who = f"« {account['name']} »"
    if ROLES[account["role"]].scoped:
        return f"{who} (directeur de {scope_words(account)})"
    kind = {"lecteur": "lecteur du comité de pilotage", "admin": "administrateur"}[account["role"]]
    return f"{who} ({kind}{'' if is_national(account) else ', ' + scope_words(account)})"


def scope(account: dict | None, regions_of: Mapping[str, str] | None = None) -> frozenset[str] | None:
    """The campuses the account's actions are bounded to; None when it is bounded by none (the nation).
    `regions_of` (campus → region, as the store holds them) resolves a regional scope; an empty scope reaches nothing.
    No account (a dry run from the command line, the machine's owner) is bounded by none: a write still needs one."""
    if not account:
        return None
    if ROLES[account["role"]].scoped:
        return frozenset(account.get("campuses") or [])
    if is_national(account):
        return None
    mine = set(regions(account))
    return frozenset(c for c, r in (regions_of or {}).items() if r in mine)


def holders(action: str, unbounded: bool = False) -> str:
    """« aux directeurs de campus et aux administrateurs »: who may take an action (`unbounded`: on what no campus
    owns, the national ones), for a refusal."""
    return " et ".join(f"aux {r.plural}" + (" nationaux" if unbounded else "")
                       for r in ROLES.values() if action in r.actions and not (unbounded and r.scoped))


def _whom(campuses: frozenset[str], touch: str) -> str:
    if touch == "owned":
        return ", ".join(f"du campus {c}" if c else "communes à tous les campus" for c in sorted(campuses))
    return ", ".join(c or "des lignes sans campus" for c in sorted(campuses)) or "un campus non précisé"


def refusal(account: dict | None, action: str, resource: Resource = ANYWHERE, *, name: str | None = None,
            regions_of: Mapping[str, str] | None = None) -> str | None:
    """Why `account` (looked up by `name`, which a refusal of a missing account quotes) may not take `action` on
    `resource`, in French, without its consequence (the caller says what was not done); None when it may.
    `regions_of`: campus → region as the store holds them (a regional account's scope)."""
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
    if is_national(account) and not role.scoped:
        return None
    bound = scope(account, regions_of)
    if not role.scoped and not regions(account):
        return f"Le compte {who} n'a aucun périmètre (ni région ni national) : il ne peut rien faire"
    if resource.campuses is None and not resource.shared:
        return None
    if resource.shared and resource.regions is not None and role.scoped:
        return f"{resource.shared} : le compte {who} ne peut pas {act.verb}"
    if resource.shared and (role.scoped or resource.regions is None):
        return f"{resource.shared}, réservé(e) {holders(action, unbounded=True)} : le compte {who} ne peut pas {act.verb}"
    if resource.regions is not None:  # a campus's identity: a regional administrator keeps its own region's records
        outside = sorted(resource.regions - set(regions(account)))
        return (f"Le compte {who} ne peut pas {act.verb} pour la région {', '.join(outside)} (changer un campus de "
                "région est réservé aux administrateurs nationaux)") if outside else None
    if resource.whole_regions:  # a region's own rows (no campus): its staff writes them, not a director
        beyond = sorted(resource.whole_regions - (set() if role.scoped else set(regions(account))))
        if beyond:
            return f"Le compte {who} ne peut pas {act.verb} pour toute la région {', '.join(beyond)}"
        if not resource.campuses:
            return None
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


def allowed(account: dict | None, action: str, resource: Resource = ANYWHERE, *,
            regions_of: Mapping[str, str] | None = None) -> bool:
    """May `account` take `action` on `resource`? (`refusal` says why not.)"""
    return refusal(account, action, resource, regions_of=regions_of) is None


def grant_refusal(actor: dict | None, account: dict, *, before: dict | None = None, name: str | None = None,
                  regions_of: Mapping[str, str] | None = None) -> str | None:
    """Why `actor` may not give `account` its role and scope (`before`: the account as it was, for a change), in
    French; None when it may. Delegation never widens: an administrator creates or changes accounts only inside its
    own scope, never a role above its own, never a scope wider than its own (a regional administrator: no national
    account, no region but its own, no campus outside them)."""
    if why := refusal(actor, "administer_accounts", name=name, regions_of=regions_of):
        return why
    if is_national(actor):
        return None
    who, mine = describe(actor), set(regions(actor))
    for target in [a for a in (before, account) if a]:
        if ROLES[target["role"]].rank > ROLES[actor["role"]].rank:
            return f"Le compte {who} ne peut pas donner ni retirer un rôle au-dessus du sien"
        if not ROLES[target["role"]].scoped and is_national(target):
            return f"Le compte {who} ne peut pas créer ni modifier un compte national (réservé aux administrateurs nationaux)"
        wider = sorted(set(regions(target)) - mine)
        if ROLES[target["role"]].scoped:
            wider = sorted({c for c in target.get("campuses") or [] if (regions_of or {}).get(c) not in mine})
        if wider:
            return (f"Le compte {who} ne peut pas donner ni modifier un périmètre plus large que le sien "
                    f"({', '.join(wider)})")
    return None


# ------------------------------------------------------------------------------------------------ reading
@dataclass(frozen=True)
class Sight:
    """What an account reads: `campuses`, the campuses whose rows it reads (None: every one, and the rows no campus
    owns); `hidden`, the (campus, year) pairs whose figures are still in progress and not for its eyes. The store's
    read connection applies it to every relation (Store.connect): no query filters by hand."""
    campuses: frozenset[str] | None = None
    hidden: frozenset[tuple[str, int]] = field(default_factory=frozenset)
    only: frozenset[str] | None = None  # the queries it may answer (None: any); a comparison answers averages only
    regions: frozenset[str] = frozenset()  # with campuses: the regions whose rows of no campus it reads (committees)

    @property
    def everything(self) -> bool:
        return self.campuses is None and not self.hidden and self.only is None

    def key(self) -> tuple:
        """A hashable, stable form (results are cached per sight)."""
        return (None if self.campuses is None else tuple(sorted(self.campuses)), tuple(sorted(self.hidden)),
                None if self.only is None else tuple(sorted(self.only)), tuple(sorted(self.regions)))

    @classmethod
    def of(cls, key: tuple) -> Sight:
        """The sight of a key (see key)."""
        return cls(None if key[0] is None else frozenset(key[0]), frozenset(tuple(p) for p in key[1]),
                   None if key[2] is None else frozenset(key[2]), frozenset(key[3]))


EVERYTHING = Sight()
NOTHING = Sight(frozenset())


def sight(account: dict | None, regions_of: Mapping[str, str], drafts: set[tuple[str, int]] | frozenset = frozenset(),
          national_drafts: bool = False) -> Sight:
    """What `account` reads (deny by default: no account, a disabled one or an empty scope read nothing).
    `drafts`: the (campus, year) pairs of a campaign not yet validated. A campus's drafts are read by its directors
    and by the staff (readers, administrators) of its region; a national reader reads validated figures only unless
    the deployment lets it (`national_drafts`) or the store holds one region only (its national level is then that
    region's committee: a store of one region reads as it always did); a national administrator runs the campaigns
    and reads them. A director reads its own campuses and, of the other campuses of its regions, their validated
    figures."""
    if not account or account.get("disabled") or "read" not in ROLES[account["role"]].actions:
        return NOTHING
    role = ROLES[account["role"]]
    if role.scoped:
        own = frozenset(account.get("campuses") or [])
        mine = {regions_of.get(c) for c in own} - {None}
        near = frozenset(c for c, r in regions_of.items() if r in mine) | own
        return Sight(near, frozenset(p for p in drafts if p[0] in near and p[0] not in own), regions=frozenset(mine))
    if is_national(account):
        hide = role.name == "lecteur" and not national_drafts and len(set(regions_of.values())) > 1
        return Sight(None, frozenset(drafts) if hide else frozenset())
    return Sight(scope(account, regions_of), regions=frozenset(regions(account)))


COMPARISONS = frozenset({"sector_averages"})  # the queries a comparison answers: averages of several campuses, no row


def comparison(account: dict | None, regions_of: Mapping[str, str], drafts: set[tuple[str, int]] | frozenset,
               allowed: bool) -> Sight | None:
    """What a region's staff compares itself with, when the deployment allows it (`allowed`, off by default): every
    region's validated figures, answered only by the queries of COMPARISONS (averages by sector over several campuses,
    never a campus's row). None: no comparison (not allowed, a national account — it reads them all already —, a
    director, a disabled account or one that reads nothing)."""
    if not allowed or not account or account.get("disabled") or is_national(account) or ROLES[account["role"]].scoped:
        return None
    if "read" not in ROLES[account["role"]].actions or not scope(account, regions_of):
        return None
    return Sight(None, frozenset(drafts), only=COMPARISONS)
