-- question: what does a campus of each sector do in a year, on average: people reached, actions, acquired funding
--           with a known amount, labelling criteria met — a region's comparison with every region's validated figures
-- grain: one row per sector with at least three campuses that reported for the year (an average of fewer would be a
--        campus's own figures; a campus that has not reported yet is left out, never averaged as a zero)
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
-- (campus_figures: the catalogue's figures of a campus's year, shared with the national thematic networks)
with reported as (
    select *
    from campus_figures($year)
    where reported
        and sector is not null
        and ($campuses is null or list_contains($campuses, campus_id))
),

final as (
    select
        sector,
        count(*) as campuses,
        avg(coalesce(people_reached, 0)) as people_per_campus,
        avg(coalesce(actions_terminee, 0) + coalesce(actions_en_cours, 0) + coalesce(actions_prevue, 0))
            as actions_per_campus,
        avg(coalesce(funding_known_eur, 0)) as funding_known_per_campus,
        avg(criteria_met) as criteria_met_per_campus
    from reported
    group by sector
    having count(*) >= 3
    order by sector
)
select * from final
