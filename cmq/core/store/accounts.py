"""The store's accounts: one JSON file (Argon2 hashes, roles, campuses, lockout counters) and its backup."""
from __future__ import annotations

from cmq.core import permissions
from cmq.core.store.files import (
    StoreError,
)


class Accounts:
    """Read and write the accounts (mixed into Store)."""

    def account(self, name: str | None) -> dict | None:
        return self.accounts().get(name or "")

    def refuse(self, user: str, action: str, resource: permissions.Resource = permissions.ANYWHERE, *,
               consequence: str = "rien n'a été enregistré") -> None:
        """The write door's check: a French StoreError, saying what was not done, when account `user` may not take
        `action` on `resource` (permissions.refusal decides)."""
        refusal = permissions.refusal(self.account(user), action, resource, name=user)
        if refusal:
            raise StoreError(f"{refusal} : {consequence}.")

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
