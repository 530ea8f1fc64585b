-- question: which years have any figure (indicator value, action, reach, funding, criteria)?
-- grain: one row per year, most recent first
-- params: none
with all_years as (
    select year from indicator_values
    union select year from actions
    union select year from reach
    union select year from funding
    union select year from criteria_assessments
),

final as (
    select
        year
    from all_years
    where year is not null
    order by year desc
)
select * from final
