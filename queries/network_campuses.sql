-- question: one national thematic network: the campuses of a sector across every region, side by side — reach by
--           audience, actions by status, acquired funding by funder type, and their position on the labelling criteria
-- grain: one row per campus of the sector (of every sector: a region's campuses beside their sector's average)
-- params: $sector (a sector's name, or null for every sector), $year (integer or null for every year), $campuses (list of campus codes or null)
-- (campus_figures: the catalogue's figures of a campus's year, shared with a region's comparison by sector)
with members as (
    select
        campus_id,
        name,
        region,
        label,
        sector
    from campuses
    where ($sector is null or sector = $sector)
        and ($campuses is null or list_contains($campuses, campus_id))
),

final as (
    select
        m.campus_id,
        m.name,
        m.region,
        m.label,
        m.sector,
        f.people_reached,
        f.pupils,
        f.teachers,
        f.companies,
        f.actions_terminee,
        f.actions_en_cours,
        f.actions_prevue,
        f.funding_known_eur,
        f.funding_region_eur,
        f.funding_state_eur,
        f.funding_europe_eur,
        f.funding_other_eur,
        f.criteria_met,
        f.criteria_assessed
    from members m
    join campus_figures($year) f using (campus_id)
    order by m.region, m.campus_id
)
select * from final
