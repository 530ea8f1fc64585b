-- question: under which strategic objective of its campus does each action fall (an action linked to an operational
-- objective or a realisation falls under the strategic objective above it)?
-- grain: one row per campus, action and strategic objective; an action a campus carries (alone or jointly) but linked
-- to none of that campus's objectives appears once for it with nulls
-- params: $campuses (list of campus codes or null for all), $year (integer or null for every year)
with recursive ancestry as (
    select
        objective_id,
        objective_id as strategic_id,
        parent_id,
        level
    from objectives
    where $campuses is null or list_contains($campuses, campus_id)
    union all
    select
        a.objective_id,
        o.objective_id as strategic_id,
        o.parent_id,
        o.level
    from ancestry a
    join objectives o on o.objective_id = a.parent_id
    where a.level <> 'strategique'
),

strategic as (
    select distinct
        a.objective_id,
        a.strategic_id
    from ancestry a
    where a.level = 'strategique'
),

carried as (
    -- every campus that carries the action: its own, and those it is led jointly with
    select
        c.campus_id,
        a.action_id,
        a.title,
        a.status,
        a.start_date,
        a.end_date
    from actions a
    join campuses c
        on c.campus_id = a.campus_id
        or list_contains(string_split(coalesce(a.co_campuses, ''), ','), c.campus_id)
    where ($campuses is null or list_contains($campuses, c.campus_id))
        and ($year is null or a.year = $year)
),

final as (
    select distinct
        ca.campus_id,
        ca.action_id,
        ca.title,
        ca.status,
        ca.start_date,
        ca.end_date,
        o.objective_id as strategic_id,
        o.title as strategic_title,
        o.position as strategic_position
    from carried ca
    left join action_objectives ao on ao.action_id = ca.action_id
    left join strategic s on s.objective_id = ao.objective_id
    left join objectives o on o.objective_id = s.strategic_id and o.campus_id = ca.campus_id
    order by ca.campus_id, o.position nulls last, o.objective_id nulls last, ca.action_id
)
select * from final
