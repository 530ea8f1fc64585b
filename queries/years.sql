-- question: which years have any figure (indicator value, action, reach, funding, criteria), and which of them have
-- figures the campuses report after the fact (reach, indicator values: plans and funding may run years ahead)?
-- grain: one row per year, most recent first
-- params: none
with all_years as (
    select distinct year from indicator_values
    union select distinct year from actions
    union select distinct year from reach
    union select distinct year from funding
    union select distinct year from criteria_assessments
),

reported as (
    select distinct year from indicator_values
    union select distinct year from reach
),

final as (
    select
        a.year,
        r.year is not null as reported
    from all_years as a
    left join reported as r on r.year = a.year
    where a.year is not null
    order by a.year desc
)
select * from final
