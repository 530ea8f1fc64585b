-- question: under which strategic objective does each action of a campus fall (an action linked to an operational
-- objective or a realisation falls under the strategic objective above it)?
-- grain: one row per action and strategic objective; an action linked to no objective appears once with nulls
-- params: $campus (campus code), $year (integer or null for every year)
with recursive ancestry as (
    select
        objective_id,
        objective_id as strategic_id,
        parent_id,
        level
    from objectives
    where campus_id = $campus
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

campus_actions as (
    select
        action_id,
        title,
        status,
        start_date,
        end_date,
        year
    from actions
    where (campus_id = $campus or list_contains(string_split(coalesce(co_campuses, ''), ','), $campus))
        and ($year is null or year = $year)
),

final as (
    select distinct
        ca.action_id,
        ca.title,
        ca.status,
        ca.start_date,
        ca.end_date,
        s.strategic_id,
        o.title as strategic_title,
        o.position as strategic_position
    from campus_actions ca
    left join action_objectives ao on ao.action_id = ca.action_id
    left join strategic s on s.objective_id = ao.objective_id
    left join objectives o on o.objective_id = s.strategic_id
    order by o.position nulls last, s.strategic_id nulls last, ca.action_id
)
select * from final
