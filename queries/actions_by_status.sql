-- question: how many actions does each campus have, by status?
-- grain: one row per campus and status (statuses with no action are omitted)
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
with selected as (
    select
        campus_id,
        status
    from actions
    where ($campuses is null or list_contains($campuses, campus_id))
        and ($year is null or year = $year)
),

final as (
    select
        campus_id,
        status,
        count(*) as actions
    from selected
    group by campus_id, status
    order by campus_id, status
)
select * from final
