-- question: which indicators exist, for the importer's reference checks (a file's rows must point to them)?
-- grain: one row per indicator: its campus and unit
-- params: none
select
    indicator_id,
    campus_id,
    unit
from indicators
