-- question: for each indicator, where did the campus start, what did it aim at and reach each year, how far from the
-- target is it, and why? (the indicator performance tracking table the steering committee reads)
-- grain: one row per indicator × year: the years in which any indicator of its campus has a value, a target or a
-- narrative; a cumulative indicator reads the sums of its yearly figures up to the year (steering.py says how)
-- params: $campus (campus code or null for every campus), $campuses (list of campus codes or null for all),
--         $indicator (one indicator or null for all), $year (integer or null for every year),
--         $on_track, $on_track_down (the thresholds of « en bonne voie »: steering.py)
with recursive paths as (
    select objective_id, title as path, 1 as depth
    from objectives
    where parent_id is null
    union all
    select o.objective_id, p.path || ' › ' || o.title, p.depth + 1
    from objectives o
    join paths p on o.parent_id = p.objective_id
    where p.depth < 8
),

campus_years as (
    select distinct campus_id, year
    from indicator_values
    where ($campus is null or campus_id = $campus) and ($campuses is null or list_contains($campuses, campus_id))
),

yearly as (
    select
        i.campus_id,
        i.objective_id,
        i.indicator_id,
        i.name,
        i.unit,
        i.direction,
        i.cumulative,
        i.baseline_value,
        i.baseline_year,
        y.year,
        v.value as year_actual,
        v.target as year_target,
        v.comment,
        case when not i.cumulative then v.value
             when v.value is not null then sum(v.value) over running end as actual,
        case when not i.cumulative then v.target
             when v.target is not null then sum(v.target) over running end as target
    from indicators i
    join campus_years y using (campus_id)
    left join indicator_values v on v.indicator_id = i.indicator_id and v.year = y.year
    where ($indicator is null or i.indicator_id = $indicator)
    window running as (partition by i.indicator_id order by y.year rows between unbounded preceding and current row)
),

final as (
    select
        y.campus_id,
        p.path as objective_path,
        y.indicator_id,
        y.name,
        y.unit,
        y.direction,
        y.cumulative,
        y.year,
        y.baseline_value as baseline,
        y.baseline_year,
        y.target,
        y.actual,
        y.year_target,
        y.year_actual,
        case when y.actual is null or y.target is null or y.target = 0 then null
             else y.actual / y.target end as share_of_target,
        -- the catalogue's rule (codes of vocabulary.INDICATOR_STATUS), on the figures the year is read by
        indicator_status(y.actual, y.target, y.direction, $on_track, $on_track_down) as status,
        y.comment
    from yearly y
    left join paths p using (objective_id)
    where $year is null or y.year = $year
    order by y.campus_id, y.indicator_id, y.year
)
select * from final
