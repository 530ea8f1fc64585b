"""The store's accounts: one JSON file (Argon2 hashes, roles, campuses, lockout counters) and its backup."""
from __future__ import annotations

import json
import os
import secrets

from cmq.core import permissions
from cmq.core.store.files import (
    ACCOUNTS,
    BACKUP,
    DAMAGED,
    MANIFEST,
    SESSION_SECRET,
    WAITS,
    StoreDamaged,
    StoreError,
    atomic_write_bytes,
    configured_session_secret,
    read_json,
)


class Accounts:
    """Read and write the accounts (mixed into Store)."""

    def accounts(self) -> dict[str, dict]:
        """Every account by name (hashes included: never show them)."""
        path = self.root / ACCOUNTS
        if not path.exists():
            if (self.root / BACKUP[ACCOUNTS]).exists():
                raise StoreDamaged(DAMAGED.format(what="le fichier des comptes accounts.json a disparu"))
            return {}
        data = read_json(path)
        try:
            return {a["name"]: a for a in data["accounts"]}
        except (TypeError, KeyError):
            raise StoreDamaged(DAMAGED.format(what="le fichier des comptes accounts.json est illisible ou tronqué")) from None

    def account(self, name: str | None) -> dict | None:
        return self.accounts().get(name or "")

    def refuse(self, user: str, action: str, resource: permissions.Resource = permissions.ANYWHERE, *,
               consequence: str = "rien n'a été enregistré") -> None:
        """The write door's check: a French StoreError, saying what was not done, when account `user` may not take
        `action` on `resource` (permissions.refusal decides)."""
        refusal = permissions.refusal(self.account(user), action, resource, name=user)
        if refusal:
            raise StoreError(f"{refusal} : {consequence}.")

    def _write_accounts(self, accounts: dict[str, dict]) -> None:
        data = json.dumps({"accounts": sorted(accounts.values(), key=lambda a: a["name"])}, ensure_ascii=False,
                          indent=1).encode("utf-8")
        self._write_with_backup(ACCOUNTS, data)

    def _ensure_started(self) -> None:
        """A new store's first file is its manifest (under the writers' lock)."""
        if not (self.root / MANIFEST).exists():
            with self._lock:
                self._start()

    def put_account(self, account: dict, *, replace: bool = False, by: str | None = None) -> None:
        """Add an account (from auth.new_account); an existing name is refused unless `replace`. `by`: the account
        making the change, which must hold « administer_accounts » (None: the machine's owner, from the command line
        or the app's own bookkeeping)."""
        if by is not None:
            self.refuse(by, "administer_accounts", consequence="le compte n'est pas créé")
        self._ensure_started()
        with self._accounts_lock:
            accounts = self.accounts()
            if account["name"] in accounts and not replace:
                raise StoreError(f"Le compte « {account['name']} » existe déjà.")
            email = account.get("email")
            if email and any(a.get("email") == email and a["name"] != account["name"] for a in accounts.values()):
                raise StoreError(f"L'adresse {email} est déjà celle d'un autre compte.")
            accounts[account["name"]] = account
            self._write_accounts(accounts)

    def update_account(self, name: str, *, by: str | None = None, **changes) -> dict:
        """Change fields of one account (role, campuses, disabled, password_hash, lockout counters). `by`: as for
        put_account."""
        if by is not None:
            self.refuse(by, "administer_accounts", consequence="le compte n'est pas modifié")
        with self._accounts_lock:
            accounts = self.accounts()
            if name not in accounts:
                raise StoreError(f"Le compte « {name} » n'existe pas.")
            accounts[name] = {**accounts[name], **changes}
            self._write_accounts(accounts)
            return accounts[name]

    def session_secret(self) -> str:
        """The key that signs session tokens: CMQ_SESSION_SECRET, else a random key kept in the store (made on first
        use, readable by its owner only), so that every app server of one store accepts the same sessions."""
        if secret := configured_session_secret():
            return secret
        path = self.root / SESSION_SECRET
        if not (self.root / MANIFEST).exists():  # not a store yet (no account either): nothing to sign for
            return secrets.token_hex(32)
        if not path.exists():
            with self._accounts_lock:
                if not path.exists():
                    key = secrets.token_hex(32).encode()
                    try:
                        atomic_write_bytes(path, lambda fh: (os.fchmod(fh.fileno(), 0o600), fh.write(key)))
                    except OSError as exc:  # a full disk: sessions cannot outlive their tab until it is kept
                        raise StoreError("La clé des sessions n'a pas pu être enregistrée.") from exc
        return path.read_text().strip()

    def signin_waits(self) -> dict[str, dict]:
        """The failed sign-ins being counted (see auth.WAITS): digests only, no name nor address. A missing or
        damaged file counts nothing (it only slows guessing; the accounts do not depend on it)."""
        data = read_json(self.root / WAITS)
        return data if isinstance(data, dict) else {}

    def write_signin_waits(self, waits: dict[str, dict]) -> None:
        """Under the accounts' lock (auth.login through write_accounts). A folder that is not yet a store is left
        untouched (it has no account to protect, and any file would make it look damaged)."""
        if (self.root / MANIFEST).exists():
            try:
                atomic_write_bytes(self.root / WAITS, lambda fh: fh.write(json.dumps(waits).encode("utf-8")))
            except OSError:
                pass  # a full or read-only disk: the counts are not kept this time; signing in still answers
