-- question: which campuses exist, for the importer's reference checks (a file's rows must point to them)?
-- grain: one row per campus
-- params: none
select
    campus_id
from campuses
