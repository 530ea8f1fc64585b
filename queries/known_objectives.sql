-- question: which objectives exist, for the importer's reference checks (a file's rows must point to them)?
-- grain: one row per objective: its campus and level
-- params: none
select
    objective_id,
    campus_id,
    level
from objectives
