-- question: which years have any figure (indicator value, action, reach, funding, criteria), and which of them have
-- figures the campuses report after the fact (reach, indicator values: plans and funding may run years ahead)?
-- grain: one row per year, most recent first
-- params: none
with reported as (
    select distinct year from indicator_values where value is not null or comment is not null
    union select distinct year from reach
),

planned_or_other as (  -- a year with targets only is planned, not reported
    select distinct year from indicator_values where value is null and comment is null
    union select distinct year from actions
    union select distinct year from funding
    union select distinct year from criteria_assessments
),

final as (  -- each table read once (a full join rather than a union of all five plus a second read of two)
    select
        coalesce(r.year, o.year) as year,
        r.year is not null as reported
    from reported as r
    full join planned_or_other as o on o.year = r.year
    where coalesce(r.year, o.year) is not null
    order by 1 desc
)
select * from final
