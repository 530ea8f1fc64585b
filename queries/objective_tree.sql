-- question: what is a campus's objective tree, down to its indicators, and where does each indicator stand?
-- grain: one row per node: the campus (root), each objective, each indicator (leaf); an indicator's value and target
-- are those its status is judged on (a cumulative indicator: the sums up to the year)
-- params: $campus (campus code), $year (integer: the year assessed; null = each indicator's latest year with a value),
--         $on_track, $on_track_down (thresholds: steering.py)
with campus_root as (
    select
        campus_id as node_id,
        cast(null as varchar) as parent_id,
        'campus' as kind,
        campus_id || ' – ' || name as title,
        0 as position
    from campuses
    where campus_id = $campus
),

objective_nodes as (
    select
        objective_id as node_id,
        coalesce(parent_id, campus_id) as parent_id,
        level as kind,
        title,
        coalesce(position, 0) as position
    from objectives
    where campus_id = $campus
),

-- each year's figures as the year is read: a cumulative indicator by the sums of its values and of its targets up to
-- the year (as the tracking table, query iptt, reads it)
read_values as (
    select
        v.indicator_id,
        v.year,
        v.value as year_value,
        case when not i.cumulative then v.value
             when v.value is not null then sum(v.value) over running end as value,
        case when not i.cumulative then v.target
             when v.target is not null then sum(v.target) over running end as target
    from indicator_values v
    join indicators i on i.indicator_id = v.indicator_id
    where v.campus_id = $campus
    window running as (partition by v.indicator_id order by v.year rows between unbounded preceding and current row)
),

assessed_values as (
    select
        indicator_id,
        year,
        value,
        target
    from read_values
    where year_value is not null
        and ($year is null or year = $year)
    qualify row_number() over (partition by indicator_id order by year desc) = 1
),

indicator_nodes as (
    select
        i.indicator_id as node_id,
        i.objective_id as parent_id,
        'indicateur' as kind,
        i.name as title,
        row_number() over (partition by i.objective_id order by i.indicator_id) as position,
        i.unit,
        i.direction,
        v.year,
        v.value,
        v.target,
        -- the catalogue's rule, the same the tracking table (query iptt) applies
        indicator_status(v.value, v.target, i.direction, $on_track, $on_track_down) as status
    from indicators i
    left join assessed_values v using (indicator_id)
    where i.campus_id = $campus
),

final as (
    select node_id, parent_id, kind, title, position,
        null as unit, null as direction, null as year, null as value, null as target, null as status
    from campus_root
    union all
    select node_id, parent_id, kind, title, position,
        null, null, null, null, null, null
    from objective_nodes
    union all
    select node_id, parent_id, kind, title, position,
        unit, direction, year, value, target, status
    from indicator_nodes
)
select * from final
