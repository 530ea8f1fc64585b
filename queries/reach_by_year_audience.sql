-- question: how has the reach of the chosen campuses moved from year to year, by audience?
-- grain: one row per year and audience; a joint action reported by several campuses counts once
-- params: $campuses (list of campus codes or null for all)
-- Only a joint action (one with associated campuses) can be reported by several campuses (the importer refuses
-- another campus's figure for any other action): the others are summed as they are, and only the joint ones go
-- through the once-per-action step, which would otherwise group every figure of every year.
with chosen as (
    select
        action_id,
        year,
        audience,
        count
    from reach
    where $campuses is null or list_contains($campuses, campus_id)
),

joint as (
    select
        action_id
    from actions
    where coalesce(co_campuses, '') <> ''
),

once_per_action as (
    select year, audience, count from chosen anti join joint using (action_id)
    union all
    select year, audience, max(count) as count from chosen semi join joint using (action_id)
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
