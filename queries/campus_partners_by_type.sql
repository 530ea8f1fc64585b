-- question: who are each campus's partners, by type of partner (the report's annex of partners)?
-- grain: one row per campus and partner type
-- params: $campuses (list of campus codes or null for all)
with linked as (
    select
        cp.campus_id,
        p.partner_type,
        p.name
    from campus_partners cp
    join partners p using (partner_id)
    where $campuses is null or list_contains($campuses, cp.campus_id)
),

final as (
    select
        campus_id,
        partner_type,
        count(distinct name) as partners,
        string_agg(distinct name, ', ' order by name) as names
    from linked
    group by campus_id, partner_type
    order by campus_id, partners desc, partner_type
)
select * from final
