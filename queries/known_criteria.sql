-- question: which criteria exist, for the importer's reference checks (a file's rows must point to them)?
-- grain: one row per labelling criterion
-- params: none
select
    criterion_no
from criteria
