-- question: the headline figures of the overview: campuses, actions by status, people and structures reached, known funding
-- grain: one row
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
with selected_campuses as (
    select
        campus_id
    from campuses
    where $campuses is null or list_contains($campuses, campus_id)
),

selected_actions as (
    select
        status
    from actions
    where campus_id in (select campus_id from selected_campuses)
        and ($year is null or year = $year)
),

-- a joint action reported by several campuses counts once: one row per action, year and audience
reach_once as (
    select
        action_id,
        year,
        audience,
        max(count) as count
    from reach
    where campus_id in (select campus_id from selected_campuses)
        and ($year is null or year = $year)
    group by action_id, year, audience
),

selected_funding as (
    select
        amount_eur
    from funding
    where campus_id in (select campus_id from selected_campuses)
        and ($year is null or year = $year)
        and status = 'acquis'
),

final as (
    select
        (select count(*) from selected_campuses) as campuses,
        (select count(*) from selected_actions) as actions,
        (select count(*) from selected_actions where status = 'terminee') as actions_terminee,
        (select count(*) from selected_actions where status = 'en_cours') as actions_en_cours,
        (select count(*) from selected_actions where status = 'prevue') as actions_prevue,
        (select cast(coalesce(sum(count), 0) as bigint) from reach_once
            where audience not in ('entreprises', 'etablissements', 'institutionnels')) as people_reached,
        (select cast(coalesce(sum(count), 0) as bigint) from reach_once
            where audience in ('entreprises', 'etablissements', 'institutionnels')) as structures_reached,
        (select coalesce(sum(amount_eur), 0) from selected_funding) as funding_known_eur,
        (select count(*) from selected_funding where amount_eur is null) as funding_unknown_lines
)
select * from final
