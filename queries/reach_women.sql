-- question: what share of the people reached are women, where campuses report it?
-- grain: one row per audience; the share is computed only on figures that give the number of women
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
-- (reach_once: the catalogue's rule for joint actions; audiences: which count structures, not people)
with once_per_action as (
    select
        audience,
        count,
        women
    from reach_once($campuses, $year)
    where audience in (select audience from audiences where not is_structure)
),

final as (
    select
        audience,
        count(*) as figures,
        count(women) as figures_with_women,
        cast(sum(count) as bigint) as reached,
        cast(sum(count) filter (where women is not null) as bigint) as reached_with_women,
        cast(sum(women) as bigint) as women
    from once_per_action
    group by audience
    order by reached desc, audience
)
select * from final
