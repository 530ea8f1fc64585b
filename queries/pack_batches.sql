-- question: from which import batches do the figures of a meeting pack come?
-- grain: one row per batch that set at least one current row of the chosen campuses (or a shared table) that a
--        document of year $until reads (its year or an earlier one; the plan, which has no year), oldest first
-- params: $campuses (list of campus codes or null for all), $until (the document's year; null for every year)
with used as (
    select batch_id, campus_id from campuses
    union all select batch_id, campus_id from objectives
    union all select batch_id, campus_id from indicators
    union all select batch_id, campus_id from indicator_values where $until is null or year <= $until
    union all select batch_id, campus_id from actions where $until is null or year <= $until
    union all select batch_id, campus_id from action_objectives
    union all select batch_id, campus_id from reach where $until is null or year <= $until
    union all select batch_id, campus_id from funding where $until is null or year <= $until
    union all select batch_id, campus_id from criteria_assessments where $until is null or year <= $until
    union all select batch_id, null as campus_id from criteria
),

in_scope as (
    select
        batch_id,
        count(*) as rows_used
    from used
    where $campuses is null
        or campus_id is null
        or list_contains($campuses, campus_id)
    group by batch_id
),

final as (
    select
        b.batch_id,
        b.table_name,
        b.campus_id,
        b.file_name,
        b.user_name,
        b.committed_at,
        i.rows_used
    from in_scope i
    join batches b using (batch_id)
    order by b.committed_at, b.batch_id
)
select * from final
