-- question: how many people and structures did the campuses' actions reach, by audience?
-- grain: one row per audience; a joint action reported by several campuses counts once
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
with selected as (
    select
        action_id,
        year,
        audience,
        count,
        approximate
    from reach
    where ($campuses is null or list_contains($campuses, campus_id))
        and ($year is null or year = $year)
),

once_per_action as (
    select
        action_id,
        year,
        audience,
        max(count) as count,
        bool_or(coalesce(approximate, false)) as approximate
    from selected
    group by action_id, year, audience
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
