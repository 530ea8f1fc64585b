-- question: which years have any figure (indicator value, action, reach, funding, criteria)?
-- grain: one row per year, most recent first
-- params: none
with all_years as (
    select distinct year from indicator_values
    union select distinct year from actions
    union select distinct year from reach
    union select distinct year from funding
    union select distinct year from criteria_assessments
),

final as (
    select
        year
    from all_years
    where year is not null
    order by year desc
)
select * from final
