-- question: what is a campus's objective tree, down to its indicators, and where does each indicator stand?
-- grain: one row per node: the campus (root), each objective, each indicator (leaf)
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

assessed_values as (
    select
        indicator_id,
        year,
        value,
        target
    from indicator_values
    where campus_id = $campus
        and value is not null
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
        case  -- the thresholds and their reading: steering.py (the query iptt reads them the same way)
            when v.value is null then 'non_renseigne'
            when v.target is null then 'sans_cible'
            when i.direction = 'baisse' then
                case when v.value <= v.target then 'atteint'
                     when v.value <= v.target * cast($on_track_down as double) then 'en_bonne_voie'
                     else 'en_retard' end
            else
                case when v.value >= v.target then 'atteint'
                     when v.value >= v.target * cast($on_track as double) then 'en_bonne_voie'
                     else 'en_retard' end
        end as status
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
