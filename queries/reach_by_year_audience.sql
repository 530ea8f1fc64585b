-- question: how has the reach of the chosen campuses moved from year to year, by audience?
-- grain: one row per year and audience; a joint action reported by several campuses counts once
-- params: $campuses (list of campus codes or null for all)
with once_per_action as (
    select
        action_id,
        year,
        audience,
        max(count) as count
    from reach
    where $campuses is null or list_contains($campuses, campus_id)
    group by action_id, year, audience
),

final as (
    select
        year,
        audience,
        cast(sum(count) as bigint) as reached
    from once_per_action
    group by year, audience
    order by year, audience
)
select * from final
