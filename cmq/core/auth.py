"""Accounts: their records, password hashing, sign-in waits and session rules. Who may do what is decided in
permissions.py alone."""
from __future__ import annotations

import hashlib
import ipaddress
import math
import os
import re
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from cmq.core import permissions, vocabulary

MIN_PASSWORD = 12
MAX_PASSWORD_BYTES = 1024  # longer is refused before any hashing (a megabyte-long guess costs the server nothing)
EMAIL = re.compile(r"^[^@\s,;<>\"'()\[\]\\]+@[^@\s,;<>\"'()\[\]\\]+\.[^@\s,;<>\"'()\[\]\\]+$")
# Failed sign-ins make the next attempts wait, longer with each failure; nothing locks an account, so nobody can lock
# its owner out. Who waits: (failures allowed before any wait, longest wait in seconds). A wait doubles per failure.
WAITS = {
    "pair": (3, 15 * 60),  # one name from one client address: an attacker on their own address slows only themselves
    "client": (10, 15 * 60),  # one client address, whatever the names (guessing across accounts)
    "name": (10, 60),  # one name from every address (a spread-out attack): its owner never waits more than a minute
}
WAITS_KEPT_HOURS = 24  # a failure older than this, with no wait left, is forgotten
SESSION_IDLE_MINUTES = int(os.environ.get("CMQ_SESSION_IDLE_MINUTES", "60"))
SESSION_MAX_HOURS = 12

# Argon2id with the library's recommended parameters (time 3, 64 MiB, 4 lanes): one check costs 0.12 s and 0.18 s of
# CPU on the project's 2-core machine. Checks run outside every lock, at most one per core at a time: more would not
# go faster and would hold 64 MiB each (thirty people signing in at once hold cores × 64 MiB, not thirty times it).
_hasher = PasswordHasher()
_hashing = threading.BoundedSemaphore(os.cpu_count() or 2)


class AuthError(Exception):
    """A refused account operation, with a French message."""


def now() -> datetime:
    return datetime.now(UTC)


def hash_password(password: str) -> str:
    problem = password_problem(password)
    if problem:
        raise AuthError(problem)
    with _hashing:
        return _hasher.hash(password)


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"Le mot de passe doit compter au moins {MIN_PASSWORD} caractères."
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return f"Le mot de passe ne doit pas dépasser {MAX_PASSWORD_BYTES} octets."
    if password.strip() != password:
        return "Le mot de passe ne doit pas commencer ni finir par une espace."
    return None


def password_matches(account: dict, password: str) -> bool:
    if len((password or "").encode("utf-8")) > MAX_PASSWORD_BYTES:
        return False  # never hashed
    try:
        with _hashing:
            return _hasher.verify(account.get("password_hash") or "", password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def checked_scope(role: str, campuses: list[str] | None = None, regions: list[str] | None = None,
                  national: bool = False) -> dict:
    """A role and its scope as an account holds them (role, campuses, regions, national), or a French AuthError:
    a director has campuses and nothing else; a reader or an administrator names its scope, one or more regions or
    the nation, never both (scopes are explicit: none is refused)."""
    if role not in permissions.ROLES:
        raise AuthError(f"Rôle inconnu : {role}. Rôles possibles : {', '.join(permissions.ROLES)}.")
    campuses = sorted({c.strip().upper() for c in campuses or [] if c.strip()})
    regions = sorted({r.strip() for r in regions or [] if r.strip()})
    unknown = [r for r in regions if r not in vocabulary.REGIONS]
    if unknown:
        raise AuthError(f"Région inconnue : {', '.join(unknown)}. Régions possibles : {', '.join(vocabulary.REGIONS)}.")
    if permissions.ROLES[role].scoped:
        if not campuses:
            raise AuthError("Un directeur doit avoir au moins un campus : choisissez-le.")
        if regions or national:
            raise AuthError("Un directeur est rattaché à ses campus, pas à une région ni au national.")
        return {"role": role, "campuses": campuses, "regions": [], "national": False}
    if campuses:
        raise AuthError("Seul un directeur est rattaché à des campus : retirez les campus ou choisissez ce rôle.")
    if national and regions:
        raise AuthError("Un compte est national ou régional, pas les deux : retirez les régions ou le national.")
    if not national and not regions:
        raise AuthError("Précisez le périmètre du compte : une ou plusieurs régions, ou national.")
    return {"role": role, "campuses": [], "regions": regions, "national": bool(national)}


def checked_email(email: str | None) -> str | None:
    """An address as an account keeps it (lower case), None when none is given, or a French AuthError: one address,
    on one line (a newline or a comma would add recipients to a reminder)."""
    email = (email or "").strip().lower()
    if not email:
        return None
    if len(email) > 254 or not EMAIL.match(email):
        raise AuthError(f"Adresse électronique invalide : « {email[:80]} » (une seule adresse, nom@domaine.fr).")
    return email


def new_account(name: str, role: str, campuses: list[str] | None = None, password: str | None = None,
                email: str | None = None, demo: bool = False, *, regions: list[str] | None = None,
                national: bool = False) -> dict:
    """A checked account record (the password hashed), ready for store.put_account."""
    name = name.strip()
    if not name or len(name) > 64 or any(c in name for c in "\n\r\t"):
        raise AuthError("Nom de compte invalide : de 1 à 64 caractères, sur une ligne.")
    return {
        "name": name, **checked_scope(role, campuses, regions, national), "email": checked_email(email),
        "password_hash": hash_password(password) if password is not None else None, "disabled": False,
        "demo": demo, "created_at": now().isoformat(timespec="seconds"),
    }


def _digest(*parts: str) -> str:
    """Names and addresses are kept only as digests in the waits' file (a client address is personal data)."""
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]


def _wait_keys(name: str, client: str) -> dict[str, tuple[str, str]]:
    """kind → (record key, digest of the name it concerns or "")."""
    n = _digest("name", name.strip().casefold())
    return {"pair": (_digest("pair", name.strip().casefold(), client), n), "client": (_digest("client", client), ""),
            "name": (n, n)}


def _until(record: dict | None) -> datetime | None:
    t = datetime.fromisoformat(record["until"]) if record and record.get("until") else None
    return t if t and t > now() else None


def _after_failure(record: dict | None, kind: str, name_digest: str) -> dict:
    failures = int((record or {}).get("failures", 0)) + 1
    free, longest = WAITS[kind]
    wait = 0 if failures <= free else min(longest, 2 ** (failures - free))
    return {"kind": kind, "name": name_digest, "failures": failures, "last": now().isoformat(timespec="seconds"),
            "until": (now() + timedelta(seconds=wait)).isoformat() if wait else None}


def _pruned(waits: dict) -> dict:
    old = (now() - timedelta(hours=WAITS_KEPT_HOURS)).isoformat(timespec="seconds")
    return {k: r for k, r in waits.items() if _until(r) or r.get("last", "") > old}


def wait_message(until: datetime) -> str:
    seconds = max(1, math.ceil((until - now()).total_seconds()))
    return f"Trop d'essais infructueux : attendez {seconds} s avant de réessayer."


PENDING_SECONDS = 60  # a check in flight for longer is forgotten (its process stopped before recording it)
BUSY_SECONDS = 20  # how long an attempt waits for the checks in flight before it (then: « comptes occupés »)


def _in_flight(record: dict | None) -> list[str]:
    """When each check of this record's name and address now in flight began (the recent ones only)."""
    old = (now() - timedelta(seconds=PENDING_SECONDS)).isoformat()
    return [t for t in (record or {}).get("pending", []) if t > old]


def _room(record: dict | None, kind: str) -> bool:
    """Another check may start: fewer in flight than the failures still free (one at a time once none is left), so
    that guesses sent at once meet the waits exactly as guesses sent one after the other would."""
    free = WAITS[kind][0] - int((record or {}).get("failures", 0))
    return len(_in_flight(record)) < max(1, free)


def login(store, name: str, password: str, client: str = "") -> tuple[dict | None, str]:
    """Check a name and password against the store's accounts (`client`: the address the attempt comes from).

    Returns (account, "") on success, else (None, a French message). Unknown and known names get the same answers:
    the same message, the same waits (counted for any name), about the same time. During a wait no password is
    checked; a success clears the waits of its name and of its name from this address (not the address's own: an
    address that guessed many names stays slowed).

    The password is checked outside the accounts' lock, so that people signing in at once proceed in parallel (the
    lock is held twice, for a few milliseconds). Each check in flight is noted; while as many are in flight as the
    failures still free, the next attempt of the same name or address waits for one to end: a burst of guesses gets
    no more tries than guesses sent one by one, and thirty people of one meeting room signing in at once all get in.
    """
    wrong = "Nom de compte ou mot de passe incorrect."
    keys = _wait_keys(name, client)
    mine = f"{now().isoformat()}#{secrets.token_hex(4)}"  # this check, among those in flight

    def waiting(waits: dict) -> datetime | None:
        """Until when this client waits: its own failures, and the name's (a spread-out attack) only once it has
        failed itself — a client with no failure of its own never waits for someone else's."""
        own = waits.get(keys["client"][0])
        kinds = ("pair", "client", "name") if own and own.get("failures") else ("pair", "client")
        return max((u for kind in kinds if (u := _until(waits.get(keys[kind][0])))), default=None)

    def started(s) -> tuple[bool, dict | None, str | None]:
        """(started, account, refusal): the check noted as in flight; or a wait's message (no password checked); or
        not yet (too many checks of this name or address in flight)."""
        waits = s.signin_waits()
        if until := waiting(waits):
            return True, None, wait_message(until)
        if not all(_room(waits.get(key), kind) for kind, (key, _) in keys.items()):
            return False, None, None
        waits = _pruned(waits)
        for kind, (key, name_digest) in keys.items():
            record = waits.get(key) or {"kind": kind, "name": name_digest, "failures": 0,
                                        "last": now().isoformat(timespec="seconds"), "until": None}
            waits[key] = {**record, "pending": _in_flight(record) + [mine]}
        s.write_signin_waits(waits)
        return True, s.account(name.strip()), None

    deadline = time.monotonic() + BUSY_SECONDS
    while not (begun := store.write_accounts(started))[0]:
        if time.monotonic() > deadline:
            return None, "Les comptes sont occupés : réessayez dans un instant."
        time.sleep(0.05)
    _, account, refused = begun
    if refused:
        return None, refused
    if account is None:
        if len((password or "").encode("utf-8")) <= MAX_PASSWORD_BYTES:
            with _hashing:  # about the same time as a real check: no hint that the name is unknown
                _hasher.hash(password or "-")
        right = False
    else:
        right = password_matches(account, password)

    def recorded(s) -> tuple[dict | None, str]:
        waits = s.signin_waits()
        for key, _ in keys.values():  # this check is no longer in flight
            if key in waits:
                waits[key] = {**waits[key], "pending": [t for t in _in_flight(waits[key]) if t != mine]}
        held = s.account(name.strip()) or {}  # as it is now: disabled or given a new password meanwhile?
        if not right or held.get("password_hash") != account.get("password_hash"):
            for kind, (key, name_digest) in keys.items():
                waits[key] = {**_after_failure(waits.get(key), kind, name_digest),
                              "pending": (waits.get(key) or {}).get("pending", [])}
            s.write_signin_waits(waits)
            until = waiting(waits)
            return None, wrong + (" " + wait_message(until) if until else "")
        if not held.get("disabled"):  # a success clears its name's waits and its name's from this address
            for key in (keys["pair"][0], keys["name"][0]):
                if key in waits:
                    waits[key] = {**waits[key], "failures": 0, "until": None}
        s.write_signin_waits({k: r for k, r in waits.items() if r.get("failures") or r.get("pending")})
        if held.get("disabled"):  # said only to whoever knows the password
            return None, "Ce compte est désactivé : adressez-vous à un administrateur."
        try:
            return s.update_account(held["name"], last_login=now().isoformat(timespec="seconds")), ""
        except OSError:  # a full disk: the time of this sign-in is not kept, the sign-in goes through
            return held, ""

    return store.write_accounts(recorded)


TRUSTED_PROXIES = "CMQ_TRUSTED_PROXIES"  # the reverse proxies whose X-Forwarded-For is believed (addresses or networks)


def trusted_proxies(setting: str | None) -> str:
    """CMQ_TRUSTED_PROXIES checked (« 127.0.0.1, 10.0.0.0/8 »), as the web server takes it (FORWARDED_ALLOW_IPS):
    the server believes X-Forwarded-For only from these peers, read from the right past every one of them, so
    that what a client writes there itself is never believed. Empty: no proxy is trusted. A French AuthError names
    an entry that is no address nor network."""
    entries = [e.strip() for e in (setting or "").replace(" ", ",").split(",") if e.strip()]
    for e in entries:
        try:
            ipaddress.ip_network(e, strict=False)
        except ValueError:
            raise AuthError(f"{TRUSTED_PROXIES} : « {e} » n'est ni une adresse IP ni un réseau (10.0.0.0/8).") from None
    return ",".join(entries)


def client_of(address: str | None) -> str:
    """Who a sign-in comes from, as the waits count it: the address the web server saw (behind trusted proxies, the
    client they name), an IPv6 client as its /64 (one subscriber holds a whole /64: millions of addresses are one
    client). No address (the machine itself) is the loopback."""
    try:
        a = ipaddress.ip_address((address or "127.0.0.1").strip().strip("[]"))
    except ValueError:
        return str(address or "")[:64]
    if isinstance(a, ipaddress.IPv6Address):
        if a.ipv4_mapped:
            return str(a.ipv4_mapped)
        return str(ipaddress.ip_network(f"{a}/64", strict=False))
    return str(a)


SESSION_COOKIE = "cmq_session"  # a signed, expiring token that brings a signed-in session back after a reload
SECURE_SESSION_COOKIE = "__Host-" + SESSION_COOKIE  # its name under HTTPS: Secure, this host only, Path=/


def _sessions(store) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(store.session_secret(), salt="cmq-session")


def grant(account: dict) -> list:
    """What a session was opened with and keeps only while the account still holds it: the account's session
    generation (signing out, a new password or `end_sessions` move it on), its role and its scope (campuses, or
    regions when it is not national). A session whose grant is no longer the account's has ended, in every tab and
    every token."""
    regional = [] if permissions.is_national(account) or permissions.ROLES[account["role"]].scoped else \
        [permissions.regions(account)]
    return [int(account.get("session_generation") or 0), account["role"], sorted(account.get("campuses") or []), *regional]


def session_ended(account: dict | None, granted) -> bool:
    """The session opened with `granted` (see grant) may not go on for this account (gone, disabled, signed out,
    new password, other role or campuses)."""
    return account is None or bool(account.get("disabled")) or grant(account) != granted


def session_token(store, name: str, since: datetime, granted: list) -> str:
    """A signed token naming the account, when its session began and what it was granted then (never the account's
    newer grant: a token outlives nothing its session did not); it expires after SESSION_IDLE_MINUTES without being
    renewed."""
    return _sessions(store).dumps({"name": name, "since": since.isoformat(), "grant": granted})


def session_from_token(store, token: str | None) -> tuple[dict, datetime] | None:
    """The account and the start of the session a token brings back, or None (forged, expired, too old, account
    disabled, signed out, new password or other rights since)."""
    if not token:
        return None
    try:
        serializer = _sessions(store)
    except Exception:  # no key can be kept (a full disk): no token can be checked
        return None
    try:
        data = serializer.loads(token, max_age=SESSION_IDLE_MINUTES * 60)
        since = datetime.fromisoformat(data["since"])
        account = store.account(str(data["name"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if session_ended(account, data.get("grant")) or now() - since > timedelta(hours=SESSION_MAX_HOURS):
        return None
    return account, since


def end_sessions(store, name: str) -> None:
    """Every token of this account stops working (signing out, a new password)."""
    account = store.account(name)
    if account is not None:
        store.update_account(name, session_generation=int(account.get("session_generation") or 0) + 1)


def name_wait(store, name: str) -> datetime | None:
    """Until when sign-ins under this name wait (from any address: the longest), or None."""
    n = _wait_keys(name, "")["name"][1]
    return max((u for r in store.signin_waits().values() if r.get("name") == n and (u := _until(r))), default=None)


def lift_waits(store, name: str) -> None:
    """Forget the failures of a name (an administrator's « Lever l'attente », a sign-in through single sign-on)."""
    n = _wait_keys(name, "")["name"][1]
    store.write_accounts(lambda s: s.write_signin_waits({k: r for k, r in s.signin_waits().items() if r.get("name") != n}))


def sso_account(store, claims: dict) -> tuple[dict | None, str]:
    """The account a single sign-on opens, from the provider's claims, or (None, a French reason). The address must be
    one the provider verified (refused when it says `email_verified` is false), and an account answers to one identity
    of one provider: bound to (iss, sub) at its first single sign-on, it refuses any other identity later, even with
    the same address (another provider, a recycled mailbox)."""
    email = str(claims.get("email") or "").strip().lower()
    if not email:
        return None, "Le fournisseur d'identité n'a pas donné d'adresse électronique : connexion impossible."
    if claims.get("email_verified") is not None and claims.get("email_verified") not in (True, "true", "True"):
        return None, f"Le fournisseur d'identité n'a pas vérifié l'adresse {email} : connexion refusée."
    account = by_email(store, email)
    if account is None or account.get("disabled"):
        return None, f"Aucun compte actif n'est associé à l'adresse {email}."
    identity = f"{claims.get('iss') or ''}|{claims.get('sub') or ''}"
    if claims.get("sub") in (None, ""):
        return None, "Le fournisseur d'identité n'a pas donné d'identifiant : connexion impossible."
    bound = account.get("sso_identity")
    if bound and bound != identity:
        return None, (f"Le compte associé à l'adresse {email} est lié à une autre identité du fournisseur : connexion "
                      "refusée : adressez-vous à un administrateur.")
    if not bound:
        account = store.update_account(account["name"], sso_identity=identity)
    return account, ""


def by_email(store, email: str | None) -> dict | None:
    """The active account whose e-mail is the one single sign-on gives."""
    email = (email or "").strip().lower()
    return next((a for a in store.accounts().values() if email and a.get("email") == email), None)
