-- question: for one campus, which indicator has a value for which year, and which are missing?
-- grain: one row per indicator × year shown (the chosen year, or every year with any figure of the campus)
-- params: $campus (campus code), $year (integer or null for every year)
with campus_years as (
    select year from indicator_values where campus_id = $campus and $year is null and (value is not null or comment is not null)
    union select year from actions where campus_id = $campus and $year is null
    union select year from reach where campus_id = $campus and $year is null
    union select year from funding where campus_id = $campus and $year is null
    union select $year where $year is not null
),

final as (
    select
        i.indicator_id,
        i.name,
        o.title as objective_title,
        y.year,
        case
            when v.value is not null then 'renseigne'
            -- a line with no value: declared unknown, unless it only sets a target (a year still to come)
            when v.indicator_id is not null and (v.target is null or v.comment is not null) then 'inconnu'
            else 'manquant'
        end as state,
        v.value,
        v.target,
        i.unit
    from indicators i
    left join objectives o using (objective_id)
    cross join campus_years y
    left join indicator_values v on v.indicator_id = i.indicator_id and v.year = y.year
    where i.campus_id = $campus
        and y.year is not null
    order by i.indicator_id, y.year
)
select * from final
