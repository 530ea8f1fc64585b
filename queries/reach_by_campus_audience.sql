-- question: how many people and structures did each campus reach, by audience?
-- grain: one row per campus and audience (a joint action appears under each campus that reports it)
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
with final as (
    select
        campus_id,
        audience,
        cast(sum(count) as bigint) as reached,
        bool_or(coalesce(approximate, false)) as includes_estimates
    from reach
    where ($campuses is null or list_contains($campuses, campus_id))
        and ($year is null or year = $year)
    group by campus_id, audience
    order by campus_id, audience
)
select * from final
