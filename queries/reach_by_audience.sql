-- question: how many people and structures did the campuses' actions reach, by audience?
-- grain: one row per audience; a joint action reported by several campuses counts once
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
-- (reach_once: the catalogue's rule for joint actions, one row per action, year, audience and detail)
with once_per_action as (
    select
        action_id,
        audience,
        count,
        approximate
    from reach_once($campuses, $year)
),

final as (
    select
        audience,
        cast(sum(count) as bigint) as reached,
        count(distinct action_id) as actions,
        bool_or(approximate) as includes_estimates
    from once_per_action
    group by audience
    order by reached desc, audience
)
select * from final
