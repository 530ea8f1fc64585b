-- question: which campuses have at least one figure for a year (an indicator value, target or comment, an action, a
-- reach figure, a funding line, a position on the criteria)? A document gives the others one line, not empty tables.
-- grain: one row per campus with figures
-- params: $year (integer), $campuses (list of campus codes or null for all)
with any_figure as (
    select campus_id from indicator_values
    where year = $year and (value is not null or target is not null or comment is not null)
    union select campus_id from actions where year = $year
    union select campus_id from reach where year = $year
    union select campus_id from funding where year = $year
    union select campus_id from criteria_assessments where year = $year and level is not null
),

final as (
    select
        campus_id
    from any_figure
    where $campuses is null or list_contains($campuses, campus_id)
    order by campus_id
)
select * from final
