-- question: where are the campuses, which sector are they, and how many people did they reach?
-- grain: one row per campus
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
with reach_of_campus as (
    select
        r.campus_id,
        sum(r.count) filter (where not a.is_structure) as people_reached,
        sum(r.count) as reached
    from reach r
    join audiences a using (audience)
    where $year is null or r.year = $year
    group by r.campus_id
),

actions_of_campus as (
    select
        campus_id,
        count(*) as actions
    from actions
    where $year is null or year = $year
    group by campus_id
),

final as (
    select
        c.campus_id,
        c.name,
        c.sector,
        c.label,
        c.city,
        c.latitude,
        c.longitude,
        cast(coalesce(r.people_reached, 0) as bigint) as people_reached,
        cast(coalesce(r.reached, 0) as bigint) as reached,
        coalesce(a.actions, 0) as actions
    from campuses c
    left join reach_of_campus r using (campus_id)
    left join actions_of_campus a using (campus_id)
    where $campuses is null or list_contains($campuses, c.campus_id)
    order by c.campus_id
)
select * from final
