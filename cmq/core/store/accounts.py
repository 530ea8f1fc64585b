"""The store's accounts: one JSON file (Argon2 hashes, roles, campuses, lockout counters) and its backup."""
from __future__ import annotations

import os

from cmq.core import permissions
from cmq.core.store.files import (
    StoreError,
)

NATIONAL_DRAFTS = "CMQ_NATIONAL_DRAFTS"  # « 1 »: the national level reads the figures still in progress too
COMPARE_REGIONS = "CMQ_COMPARE_REGIONS"  # « 1 »: a region's staff compares itself with every region's validated figures


class Accounts:
    """Read and write the accounts (mixed into Store)."""

    def account(self, name: str | None) -> dict | None:
        return self.accounts().get(name or "")

    def campus_regions(self) -> dict[str, str]:
        """Each campus's region as the store holds it (what a regional scope is resolved with), read once per
        version."""
        version = self.version()
        kept = self.__dict__.get("_campus_regions")
        if not kept or kept[0] != version:
            rows = self.read("select campus_id, region from campuses") if version else None
            kept = (version, {} if rows is None else dict(zip(rows["campus_id"], rows["region"])))
            self.__dict__["_campus_regions"] = kept
        return kept[1]

    def regions_for(self, account: dict | None) -> dict[str, str] | None:
        """The campus → region map a refusal needs for this account (only a regional one needs it)."""
        if account and not permissions.is_national(account) and not permissions.ROLES[account["role"]].scoped:
            return self.campus_regions()
        return None

    def campuses_of(self, account: dict | None) -> frozenset[str] | None:
        """The campuses the account's actions are bounded to (None: the nation), its regions resolved."""
        return permissions.scope(account, self.regions_for(account))

    def sight(self, account: dict | None):
        """What `account` reads (permissions.sight): its scope's campuses, less the figures still in progress it may
        not see (CMQ_NATIONAL_DRAFTS=1: the deployment lets the national level read them)."""
        return permissions.sight(account, self.campus_regions(), self.drafts(),
                                 national_drafts=os.environ.get(NATIONAL_DRAFTS) == "1")

    def comparison(self, account: dict | None):
        """What `account` compares its region with (permissions.comparison): every region's validated figures, as
        averages only, when the deployment allows it (CMQ_COMPARE_REGIONS=1); None otherwise."""
        return permissions.comparison(account, self.campus_regions(), self.drafts(),
                                      allowed=os.environ.get(COMPARE_REGIONS) == "1")

    def allows(self, account: dict | None, action: str, resource: permissions.Resource = permissions.ANYWHERE) -> bool:
        """permissions.allowed, a regional scope resolved with the store's campuses (what a page offers)."""
        return permissions.allowed(account, action, resource, regions_of=self.regions_for(account))

    def refuse(self, user: str, action: str, resource: permissions.Resource = permissions.ANYWHERE, *,
               consequence: str = "rien n'a été enregistré") -> None:
        """The write door's check: a French StoreError, saying what was not done, when account `user` may not take
        `action` on `resource` (permissions.refusal decides)."""
        account = self.account(user)
        refusal = permissions.refusal(account, action, resource, name=user, regions_of=self.regions_for(account))
        if refusal:
            raise StoreError(f"{refusal} : {consequence}.")

    def refuse_grant(self, by: str | None, account: dict, before: dict | None, consequence: str) -> None:
        """Delegation at the write door: `by` (None: the machine's owner) may give `account` its role and scope
        (permissions.grant_refusal decides)."""
        if by is None:
            return
        actor = self.account(by)
        why = permissions.grant_refusal(actor, account, before=before, name=by, regions_of=self.campus_regions())
        if why:
            raise StoreError(f"{why} : {consequence}.")

    def put_account(self, account: dict, *, replace: bool = False, by: str | None = None) -> None:
        """Add an account (from auth.new_account); an existing name is refused unless `replace`. `by`: the account
        making the change, which must hold « administer_accounts » (None: the machine's owner, from the command line
        or the app's own bookkeeping)."""
        self._ensure_started()
        with self._accounts_lock:
            accounts = self.accounts()
            self.refuse_grant(by, account, accounts.get(account["name"]) if replace else None, "le compte n'est pas créé")
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
        with self._accounts_lock:
            accounts = self.accounts()
            if by is not None and name not in accounts:
                self.refuse(by, "administer_accounts", consequence="le compte n'est pas modifié")
            if name not in accounts:
                raise StoreError(f"Le compte « {name} » n'existe pas.")
            self.refuse_grant(by, {**accounts[name], **changes}, accounts[name], "le compte n'est pas modifié")
            accounts[name] = {**accounts[name], **changes}
            self._write_accounts(accounts)
            return accounts[name]
