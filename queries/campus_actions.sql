-- question: which actions does a campus carry (as lead or associated campus), with their status and objectives?
-- grain: one row per action
-- params: $campus (campus code), $year (integer or null for every year)
with selected as (
    select
        *
    from actions a
    where (a.campus_id = $campus or list_contains(string_split(replace(coalesce(a.co_campuses, ''), ' ', ''), ','), $campus))
        and ($year is null or a.year = $year)
),

linked_objectives as (
    select
        ao.action_id,
        string_agg(o.title, ' ; ' order by o.objective_id) as objectives
    from action_objectives ao
    join objectives o using (objective_id)
    where ao.action_id in (select action_id from selected)
    group by ao.action_id
),

final as (
    select
        a.action_id,
        a.campus_id,
        a.title,
        a.status,
        a.start_date,
        a.end_date,
        a.year,
        a.co_campuses,
        l.objectives,
        a.description
    from selected a
    left join linked_objectives l using (action_id)
    order by a.year desc, a.status, a.action_id
)
select * from final
