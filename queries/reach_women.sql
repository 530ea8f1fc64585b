-- question: what share of the people reached are women, where campuses report it?
-- grain: one row per audience; the share is computed only on figures that give the number of women
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
with once_per_action as (
    select
        action_id,
        year,
        audience,
        max(count) as count,
        max(women) as women
    from reach
    where ($campuses is null or list_contains($campuses, campus_id))
        and ($year is null or year = $year)
        and audience not in ('entreprises', 'etablissements', 'institutionnels')
    group by action_id, year, audience
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
