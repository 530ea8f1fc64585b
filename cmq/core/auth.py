"""Accounts and roles: who may read, import and revert what; password hashing, lockout and session rules.

Pure policy: the store (store.py) calls `write_refusal` / `revert_refusal` before every write and persists accounts.
"""
from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ROLES = {"lecteur": "Lecteur (comité de pilotage)", "directeur": "Directeur de campus", "admin": "Administrateur"}
MIN_PASSWORD = 12
MAX_FAILURES = 5  # consecutive failed logins before the account is locked
LOCK_MINUTES = 15
SESSION_IDLE_MINUTES = int(os.environ.get("CMQ_SESSION_IDLE_MINUTES", "60"))
SESSION_MAX_HOURS = 12

_hasher = PasswordHasher()  # Argon2id with the library's recommended parameters


class AuthError(Exception):
    """A refused account operation, with a French message."""


def now() -> datetime:
    return datetime.now(UTC)


def hash_password(password: str) -> str:
    problem = password_problem(password)
    if problem:
        raise AuthError(problem)
    return _hasher.hash(password)


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"Le mot de passe doit compter au moins {MIN_PASSWORD} caractères."
    if password.strip() != password:
        return "Le mot de passe ne doit pas commencer ni finir par une espace."
    return None


def password_matches(account: dict, password: str) -> bool:
    try:
        return _hasher.verify(account.get("password_hash") or "", password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_account(name: str, role: str, campuses: list[str] | None = None, password: str | None = None,
                email: str | None = None, demo: bool = False) -> dict:
    """A checked account record (the password hashed), ready for store.put_account."""
    name = name.strip()
    if not name or len(name) > 64 or any(c in name for c in "\n\r\t"):
        raise AuthError("Nom de compte invalide : de 1 à 64 caractères, sur une ligne.")
    if role not in ROLES:
        raise AuthError(f"Rôle inconnu : {role}. Rôles possibles : {', '.join(ROLES)}.")
    campuses = sorted({c.strip().upper() for c in campuses or [] if c.strip()})
    if role == "directeur" and not campuses:
        raise AuthError("Un directeur doit avoir au moins un campus (--campus CODE).")
    if role != "directeur" and campuses:
        raise AuthError("Seul un directeur est rattaché à des campus.")
    return {
        "name": name, "role": role, "campuses": campuses, "email": (email or "").strip().lower() or None,
        "password_hash": hash_password(password) if password is not None else None, "disabled": False,
        "failed": 0, "locked_until": None, "demo": demo, "created_at": now().isoformat(timespec="seconds"),
    }


def locked_until(account: dict) -> datetime | None:
    until = account.get("locked_until")
    if not until:
        return None
    t = datetime.fromisoformat(until)
    return t if t > now() else None


def after_attempt(account: dict, ok: bool) -> dict:
    """The account's counters after one login attempt (a success resets them; the fifth failure locks)."""
    if ok:
        return {"failed": 0, "locked_until": None, "last_login": now().isoformat(timespec="seconds")}
    failed = int(account.get("failed") or 0) + 1
    if failed >= MAX_FAILURES:
        return {"failed": 0, "locked_until": (now() + timedelta(minutes=LOCK_MINUTES)).isoformat(timespec="seconds")}
    return {"failed": failed}


def login(store, name: str, password: str) -> tuple[dict | None, str]:
    """Check a name and password against the store's accounts; count failures and lock after MAX_FAILURES.

    Returns (account, "") on success, else (None, a French message that does not say whether the name exists).
    """
    wrong = "Nom de compte ou mot de passe incorrect."

    def attempt(s) -> tuple[dict | None, bool, str | None]:  # the check and its counters see one state
        account = s.account(name.strip())
        if account is None:
            _hasher.hash(password or "-")  # about the same time as a real check: no hint that the name is unknown
            return None, False, wrong
        if until := locked_until(account):
            return None, False, locked_message(until)
        if account.get("disabled"):
            return None, False, "Ce compte est désactivé : adressez-vous à un administrateur."
        ok = password_matches(account, password)
        return s.update_account(account["name"], **after_attempt(account, ok)), ok, None

    account, ok, refused = store.write_accounts(attempt)
    if refused:
        return None, refused
    if ok:
        return account, ""
    until = locked_until(account)
    if until:
        return None, locked_message(until)
    left = MAX_FAILURES - int(account.get("failed") or 0)
    return None, f"{wrong} Encore {left} essai(s) avant le blocage du compte pour {LOCK_MINUTES} minutes."


def locked_message(until: datetime) -> str:
    from cmq.core import fmt
    return (f"Ce compte est bloqué après {MAX_FAILURES} essais infructueux, jusqu'au {fmt.moment(until)}. "
            "Réessayez plus tard ou demandez à un administrateur de le débloquer.")


def by_email(store, email: str | None) -> dict | None:
    """The active account whose e-mail is the one single sign-on gives."""
    email = (email or "").strip().lower()
    return next((a for a in store.accounts().values() if email and a.get("email") == email), None)


def describe(account: dict) -> str:
    who = f"« {account['name']} »"
    if account["role"] == "directeur":
        return f"{who} (directeur de {', '.join(account['campuses'])})"
    return f"{who} ({ROLES[account['role']].lower()})"


def write_refusal(account: dict | None, user: str, table: str, campus_column: str | None, campuses: set[str]) -> str | None:
    """Why `user` may not write these rows, in French; None when allowed."""
    if account is None:
        return f"Le compte « {user} » n'existe pas : rien n'a été enregistré."
    if account.get("disabled"):
        return f"Le compte « {user} » est désactivé : rien n'a été enregistré."
    role = account["role"]
    if role == "admin":
        return None
    if role != "directeur":
        return f"Le compte {describe(account)} peut consulter mais pas importer : rien n'a été enregistré."
    if campus_column is None:
        return (f"La table {table} est commune à tous les campus : seul un administrateur peut l'importer. "
                "Rien n'a été enregistré.")
    others = sorted(c for c in campuses if c not in set(account["campuses"]))
    if others or not campuses:
        return (f"Le compte {describe(account)} ne peut pas importer de données pour "
                f"{', '.join(others) or 'un campus non précisé'} : rien n'a été enregistré.")
    return None


def import_refusal(account: dict | None, user: str, table: str, campus_column: str | None,
                   campus: str | None) -> str | None:
    """Why `user` may not import into this table at all (for `campus` when one is chosen), in French, before any file
    is read; None when they may (each row is checked later)."""
    mine = set(account["campuses"]) if account else set()  # no campus chosen: the file may hold any of theirs
    return write_refusal(account, user, table, campus_column, {campus} if campus else mine)


def split_campuses(codes) -> set[str]:
    """Campus codes written as one text (« AGT, MSI »)."""
    return {c.strip() for c in str(codes or "").split(",") if c.strip()}


def owner_refusal(account: dict, owners: set[frozenset]) -> str | None:
    """Why a director may not write rows that replace or point to rows owned by `owners` (each a set of campuses that
    own one row together: one of them is enough); None when allowed."""
    mine = set(account["campuses"])
    foreign = sorted({c for owner in owners if not owner & mine for c in owner if c})
    if not foreign:
        return None
    return (f"Le compte {describe(account)} ne peut pas modifier ni utiliser des données du campus "
            f"{', '.join(foreign)} : rien n'a été enregistré.")


def revert_refusal(account: dict | None, user: str, batch_campuses: set[str]) -> str | None:
    """Why `user` may not revert a batch touching these campuses; None when allowed."""
    if account is None:
        return f"Le compte « {user} » n'existe pas : l'import n'est pas annulé."
    if account.get("disabled"):
        return f"Le compte « {user} » est désactivé : l'import n'est pas annulé."
    if account["role"] == "admin":
        return None
    if account["role"] == "directeur" and batch_campuses and batch_campuses <= set(account["campuses"]):
        return None
    return f"Le compte {describe(account)} ne peut pas annuler cet import : l'import n'est pas annulé."


def campus_scope(account: dict | None) -> set[str] | None:
    """The campuses a director's files are checked against, line by line; None for everyone else."""
    return set(account["campuses"]) if account and account["role"] == "directeur" else None


def may_import(account: dict | None) -> bool:
    return bool(account) and account["role"] in ("directeur", "admin")


def may_administer(account: dict | None) -> bool:
    return bool(account) and account["role"] == "admin"
