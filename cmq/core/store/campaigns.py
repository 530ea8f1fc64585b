"""The reporting cycle, kept in the manifest (the store's commit point): a campaign per year and region with its
deadline, each campus's status in it, and every step taken (who, when, why). Each region opens, extends, closes and
validates its own; a campaign opened for several regions at once is one record per region. Readers get one campaign
per year (`campaigns(sight)`): the records of that year they may see, merged, each campus with its own deadline. A
step is written under the writers' lock like a commit, and the write door refuses any import or revert that would
move a campus's validated year.

Statuses: a_saisir → brouillon (something imported for the year) → soumis (the director says it is complete) →
valide (an administrator), or renvoye (sent back with a reason, for the campus or one indicator) → soumis again; an
administrator can reopen a validated year (back to brouillon, with a reason)."""
from __future__ import annotations

from datetime import UTC, date, datetime

from cmq.core import permissions
from cmq.core.store.files import StoreError

STATUSES = {"a_saisir": "À saisir", "brouillon": "Brouillon", "soumis": "Soumis", "valide": "Validé",
            "renvoye": "Renvoyé"}
# step: (statuses it starts from, status it leads to, the action it takes: see permissions.ACTIONS)
STEPS = {
    "submit": ({"a_saisir", "brouillon", "renvoye"}, "soumis", "submit"),
    "validate": ({"soumis"}, "valide", "validate"),
    "send_back": ({"brouillon", "soumis"}, "renvoye", "validate"),
    "reopen": ({"valide"}, "brouillon", "validate"),
}
STEP_NAMES = {"open": "Campagne ouverte", "submit": "Soumis", "validate": "Validé", "send_back": "Renvoyé",
              "reopen": "Rouvert", "draft": "Première saisie", "close": "Campagne close",
              "extend": "Date limite reportée", "changed": "Modifié après soumission", "remind": "Relancé"}
COMMAND_LINE = "ligne de commande"  # who sends the reminders of `cmq remind` run without --user (a scheduled task)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _event(step: str, campus: str | None, user: str, reason: str | None = None, indicator: str | None = None) -> dict:
    """One step of a campaign as its history keeps it."""
    return {"step": step, "campus": campus, "by": user, "at": _now(), "reason": reason, "indicator": indicator}


class Campaigns:
    """Campaigns and their steps (mixed into Store: uses its manifest, lock and accounts)."""

    def campaigns(self, sight=None) -> dict[int, dict]:
        """Every year's campaign as `sight` (permissions.Sight; None: the whole store) sees it: the regions' records
        of that year merged — its campuses (each with its deadline, the region's or its own extension), their steps,
        the regions (deadline, opened, closed) — and nothing of a region outside the sight."""
        out: dict[int, dict] = {}
        for record in self.manifest().get("campaigns", []):
            seen = {c: s for c, s in record["campuses"].items() if sight is None or sight.campuses is None
                    or c in sight.campuses}
            if not seen and record["campuses"]:
                continue  # another region's campaign
            year = int(record["year"])
            view = out.setdefault(year, {"year": year, "deadline": record["deadline"], "closed_at": record["closed_at"],
                                         "opened_by": record["opened_by"], "opened_at": record["opened_at"],
                                         "campuses": {}, "events": [], "regions": {}})
            region = record.get("region") or ""
            view["regions"][region] = {k: record[k] for k in ("deadline", "opened_by", "opened_at", "closed_at")}
            view["campuses"].update({c: {**s, "deadline": s.get("deadline") or record["deadline"], "region": region}
                                     for c, s in seen.items()})
            view["events"] += [e for e in record["events"] if e["campus"] is None or e["campus"] in seen]
            view["deadline"] = max(view["deadline"], record["deadline"])
            view["closed_at"] = None if any(r["closed_at"] is None for r in view["regions"].values()) else \
                max(r["closed_at"] for r in view["regions"].values())
        for view in out.values():
            view["events"].sort(key=lambda e: e["at"])
            view["campuses"] = dict(sorted(view["campuses"].items()))
        return out

    def campaign(self, year: int, sight=None) -> dict:
        found = self.campaigns(sight).get(int(year))
        if found is None:
            raise StoreError(f"Aucune campagne pour l'année {year} : ouvrez-la d'abord (« campaign open »).")
        return found

    def drafts(self, m: dict | None = None) -> frozenset[tuple[str, int]]:
        """The (campus, year) pairs of a campaign whose figures are not validated yet (in progress)."""
        m = m or self.manifest()
        return frozenset((campus, int(c["year"])) for c in m.get("campaigns", [])
                         for campus, s in c["campuses"].items() if s["status"] != "valide")

    def locked(self, m: dict | None = None) -> set[tuple[str, int]]:
        """The (campus, year) pairs whose figures are validated: no import nor revert may change them."""
        m = m or self.manifest()
        return {(campus, int(c["year"])) for c in m.get("campaigns", [])
                for campus, s in c["campuses"].items() if s["status"] == "valide"}

    def open_campaign(self, year: int, deadline: date, *, user: str, campuses: list[str],
                      expected: dict[str, list[str]] | None = None) -> dict:
        """A campaign for `year` due on `deadline`, every campus à saisir (an administrator of their regions): one
        record per region of `campuses`. `expected`: the indicators each campus must report (a campus not named:
        every indicator of its plan). Refused when a region already has its campaign for the year."""
        self.refuse(user, "run_campaigns", permissions.on(*campuses), consequence="la campagne n'est pas ouverte")
        regions_of = self.campus_regions()
        by_region: dict[str, list[str]] = {}
        for c in sorted(campuses):
            by_region.setdefault(regions_of.get(c) or "", []).append(c)
        with self._writing():
            m = self.manifest()
            taken = sorted({c for r in m.get("campaigns", []) if int(r["year"]) == int(year) for c in r["campuses"]}
                           & set(campuses))
            if taken:
                regions = sorted({regions_of.get(c) or "" for c in taken} - {""})
                raise StoreError(f"La campagne {year} existe déjà" + (f" pour {', '.join(regions)}" if regions else "")
                                 + " : rien n'a été ouvert.")
            for region, codes in sorted(by_region.items()):
                m.setdefault("campaigns", []).append({
                    "year": int(year), "region": region or None, "deadline": deadline.isoformat(), "opened_by": user,
                    "opened_at": _now(), "closed_at": None,
                    "campuses": {c: {"status": "a_saisir", **({"expected": sorted(expected[c])} if expected and
                                                              c in expected else {})} for c in codes},
                    "events": [_event("open", None, user)]})
            self._write_manifest(m)
        return self.campaign(year)

    def _records(self, m: dict, year: int, user: str | None, region: str | None, consequence: str) -> list[dict]:
        """The records of `year` a campaign-wide step acts on: the region's, or every region's the account runs
        (None: the command line's scheduled task, every one); refused when it runs none."""
        records = [r for r in m.get("campaigns", []) if int(r["year"]) == int(year)
                   and (region is None or (r.get("region") or "") == region)]
        if not records:
            raise StoreError(f"Aucune campagne pour l'année {year}" + (f" en {region}" if region else "")
                             + " : ouvrez-la d'abord (« campaign open »).")
        if user is None:
            return records
        mine = [r for r in records if self._may_run(user, r)]
        if not mine or (region is not None and len(mine) != len(records)):
            self.refuse(user, "run_campaigns", permissions.on(*records[0]["campuses"]), consequence=consequence)
        return mine

    def _may_run(self, user: str, record: dict) -> bool:
        return self.allows(self.account(user), "run_campaigns", permissions.on(*record["campuses"]))

    def extend_campaign(self, year: int, deadline: date, *, user: str, campus: str | None = None,
                        reason: str | None = None, region: str | None = None) -> None:
        """Move the deadline of the campaign of `year` (the region's, or every region's the account runs), or of one
        campus's (an extension), recorded in its steps with the dates before and after (an administrator of the
        region; a closed campaign is not moved)."""
        consequence = "la date limite ne change pas"
        self.refuse(user, "run_campaigns", permissions.on(campus) if campus else permissions.ANYWHERE,
                    consequence=consequence)
        with self._writing():
            m = self.manifest()
            records = [self._in(m, year, campus)] if campus else self._records(m, year, user, region, consequence)
            for campaign in records:
                if campaign["closed_at"]:
                    raise StoreError(f"La campagne {year} est close : sa date limite ne bouge plus.")
                held = campaign["campuses"][campus] if campus else campaign
                before = held.get("deadline") or campaign["deadline"]
                if before == deadline.isoformat():
                    raise StoreError(f"La date limite est déjà le {deadline.strftime('%d/%m/%Y')} : rien n'a changé.")
                held["deadline"] = deadline.isoformat()
                said = f"date limite {date.fromisoformat(before).strftime('%d/%m/%Y')} → {deadline.strftime('%d/%m/%Y')}"
                campaign["events"].append(_event("extend", campus, user, said + (f" : {reason.strip()}" if
                                                                                (reason or "").strip() else "")))
            self._write_manifest(m)

    def close_campaign(self, year: int, *, user: str, region: str | None = None) -> None:
        """No more steps in the campaign of the region (or of every region the account runs); its validated years
        stay locked."""
        with self._writing():
            m = self.manifest()
            records = self._records(m, year, user, region, "la campagne reste ouverte")
            if all(r["closed_at"] for r in records):
                raise StoreError(f"La campagne {year} est déjà close.")
            for campaign in records:
                if not campaign["closed_at"]:
                    campaign["closed_at"] = _now()
                    campaign["events"].append(_event("close", None, user))
            self._write_manifest(m)

    def refuse_reminder(self, user: str | None) -> None:
        """Only an administrator (or the command line's scheduled task) reminds campuses: checked before any sending."""
        if user is not None:
            self.refuse(user, "run_campaigns", consequence="personne n'est relancé")

    def record_reminders(self, year: int, sent: dict[str, list[str]], *, user: str | None) -> None:
        """Keep in the campaign's steps that each campus of `sent` was reminded, and to which addresses (an
        administrator, or the command line's scheduled task when `user` is None)."""
        self.refuse_reminder(user)
        if user is not None:
            self.refuse(user, "run_campaigns", permissions.on(*sent), consequence="personne n'est relancé")
        with self._writing():
            m = self.manifest()
            for campus, to in sorted(sent.items()):
                campaign = self._in(m, year, campus)
                if campaign["closed_at"]:
                    raise StoreError(f"La campagne {year} est close : plus de relance.")
                campaign["events"].append(_event("remind", campus, user or COMMAND_LINE, "à " + ", ".join(to)))
            self._write_manifest(m)

    def campaign_step(self, step: str, year: int, campus: str, *, user: str, reason: str | None = None,
                      indicator: str | None = None) -> str:
        """Take one step for a campus in the campaign of `year`; returns the new status. Refused in French when the
        account may not take it or the campus is not where the step starts."""
        starts, to, action = STEPS[step]
        self.refuse(user, action, permissions.on(campus), consequence=f"le statut de {campus} ne change pas")
        if step in ("send_back", "reopen") and not (reason or "").strip():
            raise StoreError("Dites pourquoi : la raison est montrée au directeur du campus.")
        with self._writing():
            m = self.manifest()
            campaign = self._in(m, year, campus)
            if campaign["closed_at"]:
                raise StoreError(f"La campagne {year} est close.")
            state = campaign["campuses"][campus]
            if state["status"] not in starts:
                raise StoreError(f"{campus} est « {STATUSES[state['status']]} » pour {year} : impossible de passer à "
                                 f"« {STATUSES[to]} » d'ici.")
            state["status"] = to
            state["since"] = _now()
            if step == "submit":
                state["submitted_at"] = _now()
            campaign["events"].append(_event(step, campus, user, (reason or "").strip() or None, indicator))
            self._write_manifest(m)
        return to

    @staticmethod
    def _in(m: dict, year: int, campus: str) -> dict:
        """The record of `year` that holds `campus` (a campus is in one campaign a year: its region's)."""
        records = [c for c in m.get("campaigns", []) if int(c["year"]) == int(year)]
        if not records:
            raise StoreError(f"Aucune campagne pour l'année {year} : ouvrez-la d'abord (« campaign open »).")
        for c in records:
            if campus in c["campuses"]:
                return c
        raise StoreError(f"Le campus {campus} n'est pas dans la campagne {year}.")

    def _refuse_locked(self, m: dict, pairs: set[tuple[str, int]]) -> None:
        """In the write door: no write may move a validated campus × year."""
        hit = sorted(pairs & self.locked(m))
        if hit:
            said = ", ".join(f"{c} {y}" for c, y in hit)
            raise StoreError(f"Rien n'a été enregistré : les chiffres validés ne bougent plus ({said}). Un administrateur "
                             "peut les rouvrir (« Rouvrir », avec la raison).")

    def _mark_draft(self, m: dict, pairs: set[tuple[str, int]], user: str) -> None:
        """In a commit or a revert: a campus à saisir in its year's campaign becomes brouillon (something was
        imported); a submitted one goes back to brouillon too, the step « modifié après soumission » recorded, so
        that the coordinator never validates figures other than the ones submitted."""
        for c in m.get("campaigns", []):
            if c["closed_at"]:
                continue
            for campus, year in pairs:
                state = c["campuses"].get(campus)
                if int(c["year"]) == year and state and state["status"] in ("a_saisir", "soumis"):
                    step = "draft" if state["status"] == "a_saisir" else "changed"
                    state["status"], state["since"] = "brouillon", _now()
                    c["events"].append(_event(step, campus, user))
