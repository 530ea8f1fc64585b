-- question: what is each campus's objective tree, with its indicators and their value for the year (the report's
-- annex of objective trees)?
-- grain: one row per objective and per indicator (parent_id: the objective above; null for a strategic objective)
-- params: $campuses (list of campus codes or null for all), $year (integer: the year whose values are shown)
with nodes as (
    select
        campus_id,
        objective_id as node_id,
        parent_id,
        level as kind,
        title,
        position,
        cast(null as varchar) as unit,
        cast(null as double) as value
    from objectives
    where $campuses is null or list_contains($campuses, campus_id)
    union all
    select
        i.campus_id,
        i.indicator_id as node_id,
        i.objective_id as parent_id,
        'indicateur' as kind,
        i.name as title,
        null as position,
        i.unit,
        v.value
    from indicators i
    left join indicator_values v on v.indicator_id = i.indicator_id and v.year = $year
    where $campuses is null or list_contains($campuses, i.campus_id)
),

final as (
    select *
    from nodes
    order by campus_id, kind = 'indicateur', position nulls last, node_id
)
select * from final
