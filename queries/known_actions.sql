-- question: which actions exist, for the importer's reference checks (a file's rows must point to them)?
-- grain: one row per action: its campus and the campuses that carry it jointly
-- params: none
select
    action_id,
    campus_id,
    co_campuses
from actions
