-- question: one national thematic network: the campuses of a sector across every region, side by side — reach by
--           audience, actions by status, acquired funding by funder type, and their position on the labelling criteria
-- grain: one row per campus of the sector
-- params: $sector (a sector's name), $year (integer or null for every year), $campuses (list of campus codes or null)
with members as (
    select
        campus_id,
        name,
        region,
        label
    from campuses
    where sector = $sector
        and ($campuses is null or list_contains($campuses, campus_id))
),

reach_of as (
    select
        r.campus_id,
        cast(coalesce(sum(r.count) filter (where not a.is_structure), 0) as bigint) as people_reached,
        cast(coalesce(sum(r.count) filter (where a.audience in ('collegiens', 'lyceens', 'collegiens_lyceens')), 0)
            as bigint) as pupils,
        cast(coalesce(sum(r.count) filter (where a.audience = 'enseignants'), 0) as bigint) as teachers,
        cast(coalesce(sum(r.count) filter (where a.audience = 'entreprises'), 0) as bigint) as companies
    from reach r
    join audiences a using (audience)
    where r.campus_id in (select campus_id from members)
        and ($year is null or r.year = $year)
    group by r.campus_id
),

actions_of as (
    select
        campus_id,
        count(*) filter (where status = 'terminee') as actions_terminee,
        count(*) filter (where status = 'en_cours') as actions_en_cours,
        count(*) filter (where status = 'prevue') as actions_prevue
    from actions
    where campus_id in (select campus_id from members)
        and ($year is null or year = $year)
    group by campus_id
),

funding_of as (
    select
        campus_id,
        coalesce(sum(amount_eur) filter (where status = 'acquis'), 0) as funding_known_eur,
        coalesce(sum(amount_eur) filter (where status = 'acquis' and funder_type = 'region'), 0) as funding_region_eur,
        coalesce(sum(amount_eur) filter (where status = 'acquis' and funder_type = 'etat'), 0) as funding_state_eur,
        coalesce(sum(amount_eur) filter (where status = 'acquis' and funder_type = 'europe'), 0) as funding_europe_eur,
        coalesce(sum(amount_eur) filter (where status = 'acquis'
            and funder_type not in ('region', 'etat', 'europe')), 0) as funding_other_eur
    from funding
    where campus_id in (select campus_id from members)
        and ($year is null or year = $year)
    group by campus_id
),

-- each campus's latest assessment of each criterion (up to the year)
criteria_of as (
    select
        campus_id,
        count(*) filter (where level >= 2) as criteria_met,
        count(*) as criteria_assessed
    from (
        select campus_id, criterion_no, level
        from criteria_assessments
        where campus_id in (select campus_id from members)
            and ($year is null or year <= $year)
        qualify row_number() over (partition by campus_id, criterion_no order by year desc) = 1
    )
    group by campus_id
),

final as (
    select
        m.campus_id,
        m.name,
        m.region,
        m.label,
        r.people_reached,
        r.pupils,
        r.teachers,
        r.companies,
        a.actions_terminee,
        a.actions_en_cours,
        a.actions_prevue,
        f.funding_known_eur,
        f.funding_region_eur,
        f.funding_state_eur,
        f.funding_europe_eur,
        f.funding_other_eur,
        c.criteria_met,
        c.criteria_assessed
    from members m
    left join reach_of r using (campus_id)
    left join actions_of a using (campus_id)
    left join funding_of f using (campus_id)
    left join criteria_of c using (campus_id)
    order by m.region, m.campus_id
)
select * from final
