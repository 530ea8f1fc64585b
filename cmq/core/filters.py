"""What a page, a figure, an export or a document is about, as one typed object: the filters a reader chose (or a
document's scope) and what they mean for the queries. A query takes from it the parameters its SQL names
(`params`); what is only said (the sector, which figures are shown) travels beside them, never silently dropped."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Filters:
    # what the queries read (the names of their SQL parameters)
    year: int | None = None  # None: every year
    campuses: tuple[str, ...] | None = None  # None: every campus (the sector, when chosen, is folded in here)
    campus: str | None = None  # the one campus a figure or a document is about
    until: int | None = None  # the last year a document counts (the batches behind it)
    indicator: str | None = None
    objective: str | None = None
    statuses: tuple[str, ...] | None = None
    search: str | None = None
    table_name: str | None = None  # the history of imports: one data table
    # what is said beside the figures
    sector: str | None = None  # « filière … » in every caption
    region: str | None = None  # « région … » in every caption (folded into campuses, as the sector)
    figures: str | None = None  # « chiffres validés seulement (2 campus sur 6) » when the year has a campaign
    nothing_validated: tuple | None = None  # (year, latest reliable year, campaign): a campaign's year with none yet

    def __post_init__(self):  # lists from a page or a link become tuples: one value, comparable, never changed after
        for name in ("campuses", "statuses"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))

    def params(self, names) -> dict:
        """The values of the query parameters `names` (queries.parameters(query)); a list where SQL takes one."""
        out = {}
        for name in names:
            if name in READ:
                value = getattr(self, name)
                out[name] = list(value) if isinstance(value, tuple) else value
        return out

    def but(self, **changes) -> Filters:
        """These filters with some values changed (a campus's detail, a page's own choices)."""
        return replace(self, **changes)


READ = {f.name for f in fields(Filters)} - {"region", "figures", "nothing_validated"}  # the sector: by network_campuses
