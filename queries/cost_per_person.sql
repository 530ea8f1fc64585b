-- question: what did each person reached cost, per campus and year: the year's acquired funding whose amount is
-- known, divided by the people its actions reached (structures are not people; a joint action counts once)?
-- grain: one row per campus and year with acquired funding or reach, then one row per year for all the chosen
-- campuses together (campus_id null, a joint action reported by several of them counted once)
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
-- cost_eur is null when it cannot be computed (no known amount, or nobody reached); at_least is true when some
-- acquired lines have no amount: the cost is then a floor, never computed as if those amounts were 0
with money as (
    select
        campus_id,
        year,
        sum(amount_eur) as known_eur,
        count(*) as lines,
        count(*) filter (where amount_eur is null) as lines_amount_unknown
    from funding
    where status = 'acquis'
        and ($campuses is null or list_contains($campuses, campus_id))
        and ($year is null or year = $year)
    group by campus_id, year
),

people_by_campus as (
    select
        r.campus_id,
        r.year,
        sum(r.count) as people
    from reach r
    join audiences a on a.audience = r.audience and not a.is_structure
    where ($campuses is null or list_contains($campuses, r.campus_id))
        and ($year is null or r.year = $year)
    group by r.campus_id, r.year
),

people_together as (
    select
        o.year,
        sum(o.count) as people
    from reach_once($campuses, $year) o
    join audiences a on a.audience = o.audience and not a.is_structure
    group by o.year
),

by_campus as (
    select
        coalesce(m.campus_id, p.campus_id) as campus_id,
        coalesce(m.year, p.year) as year,
        m.known_eur,
        coalesce(m.lines, 0) as lines,
        coalesce(m.lines_amount_unknown, 0) as lines_amount_unknown,
        coalesce(p.people, 0) as people
    from money m
    full join people_by_campus p on p.campus_id = m.campus_id and p.year = m.year
),

together as (
    select
        cast(null as varchar) as campus_id,
        coalesce(m.year, p.year) as year,
        m.known_eur,
        coalesce(m.lines, 0) as lines,
        coalesce(m.lines_amount_unknown, 0) as lines_amount_unknown,
        coalesce(p.people, 0) as people
    from (
        select year, sum(known_eur) as known_eur, sum(lines) as lines, sum(lines_amount_unknown) as lines_amount_unknown
        from money
        group by year
    ) m
    full join people_together p on p.year = m.year
),

final as (
    select
        campus_id,
        year,
        known_eur,
        lines,
        lines_amount_unknown,
        cast(people as bigint) as people,
        case when known_eur > 0 and people > 0 then known_eur / people end as cost_eur,
        lines_amount_unknown > 0 as at_least
    from (select * from by_campus union all select * from together)
    order by year, campus_id nulls last
)
select * from final
