-- question: for each campus and year, how many of its indicators have a value, so that the coordinator sees who has not reported?
-- grain: one row per campus × year (the chosen year, or every year with any figure)
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
with selected_campuses as (
    select
        campus_id
    from campuses
    where $campuses is null or list_contains($campuses, campus_id)
),

years_shown as (
    select year from indicator_values where $year is null and (value is not null or comment is not null)
    union select year from actions where $year is null
    union select year from reach where $year is null
    union select year from funding where $year is null
    union select $year where $year is not null
),

indicator_counts as (
    select
        campus_id,
        count(*) as indicators
    from indicators
    group by campus_id
),

value_counts as (
    select
        v.campus_id,
        v.year,
        count(*) filter (where v.value is not null) as with_value,
        count(*) filter (where v.value is null and (v.target is null or v.comment is not null)) as declared_unknown
    from indicator_values v
    join indicators i using (indicator_id)
    group by v.campus_id, v.year
),

final as (
    select
        c.campus_id,
        y.year,
        coalesce(i.indicators, 0) as indicators,
        coalesce(v.with_value, 0) as with_value,
        coalesce(v.declared_unknown, 0) as declared_unknown
    from selected_campuses c
    cross join years_shown y
    left join indicator_counts i using (campus_id)
    left join value_counts v on v.campus_id = c.campus_id and v.year = y.year
    where y.year is not null
    order by c.campus_id, y.year
)
select * from final
