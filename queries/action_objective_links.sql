-- question: to which objectives does each action of a campus answer (Annex I of the report: actions × objectives)?
-- grain: one row per action × linked objective; actions with no objective appear once with a null objective
-- params: $campus (campus code), $year (integer or null for every year)
with campus_actions as (
    select
        action_id,
        title,
        status,
        year
    from actions
    where campus_id = $campus
        and ($year is null or year = $year)
),

final as (
    select
        a.action_id,
        a.title,
        a.status,
        a.year,
        o.objective_id,
        o.title as objective_title,
        o.level,
        o.position
    from campus_actions a
    left join action_objectives ao using (action_id)
    left join objectives o on o.objective_id = ao.objective_id
    order by a.action_id, o.position, o.objective_id
)
select * from final
