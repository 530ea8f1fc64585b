-- question: the regions side by side: how many campuses, how many people their actions reached, how much funding
--           they acquired, how many actions they carry
-- grain: one row per region that has a campus in the selection
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
with chosen as (
    select
        campus_id,
        region
    from campuses
    where $campuses is null or list_contains($campuses, campus_id)
),

-- a joint action reported by several campuses of one region counts once in that region (reach_once's rule, by region)
reach_in_region as (
    select
        c.region,
        r.action_id,
        r.year,
        r.audience,
        r.detail,
        max(r.count) as count
    from reach r
    join chosen c using (campus_id)
    where $year is null or r.year = $year
    group by all
),

people as (
    select
        r.region,
        cast(coalesce(sum(r.count) filter (where not a.is_structure), 0) as bigint) as people_reached,
        cast(coalesce(sum(r.count) filter (where a.is_structure), 0) as bigint) as structures_reached
    from reach_in_region r
    join audiences a using (audience)
    group by r.region
),

money as (
    select
        c.region,
        coalesce(sum(f.amount_eur) filter (where f.status = 'acquis'), 0) as funding_known_eur
    from funding f
    join chosen c using (campus_id)
    where $year is null or f.year = $year
    group by c.region
),

work as (
    select
        c.region,
        count(*) as actions
    from actions a
    join chosen c using (campus_id)
    where $year is null or a.year = $year
    group by c.region
),

final as (
    select
        c.region,
        count(*) as campuses,
        list(c.campus_id order by c.campus_id) as campus_ids,
        any_value(p.people_reached) as people_reached,
        any_value(p.structures_reached) as structures_reached,
        any_value(m.funding_known_eur) as funding_known_eur,
        any_value(w.actions) as actions
    from chosen c
    left join people p using (region)
    left join money m using (region)
    left join work w using (region)
    group by c.region
    order by c.region
)
select * from final
