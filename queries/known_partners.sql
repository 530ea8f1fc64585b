-- question: which partners exist, for the importer's reference checks (a file's rows must point to them)?
-- grain: one row per partner
-- params: none
select
    partner_id
from partners
