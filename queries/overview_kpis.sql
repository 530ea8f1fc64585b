-- question: the headline figures of the overview: campuses, actions by status, people and structures reached, known funding
-- grain: one row
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
with campus_count as (
    select
        count(*) as campuses
    from campuses
    where $campuses is null or list_contains($campuses, campus_id)
),

action_counts as (
    select
        count(*) as actions,
        count(*) filter (where status = 'terminee') as actions_terminee,
        count(*) filter (where status = 'en_cours') as actions_en_cours,
        count(*) filter (where status = 'prevue') as actions_prevue
    from actions
    where ($campuses is null or list_contains($campuses, campus_id))
        and ($year is null or year = $year)
),

-- a joint action reported by several campuses counts once (reach_once: the catalogue's rule)
reach_totals as (
    select
        cast(coalesce(sum(r.count) filter (where not a.is_structure), 0) as bigint) as people_reached,
        cast(coalesce(sum(r.count) filter (where a.is_structure), 0) as bigint) as structures_reached
    from reach_once($campuses, $year) r
    join audiences a using (audience)
),

funding_totals as (
    -- acquired money, and apart what is only planned or requested (never added to what is acquired)
    select
        coalesce(sum(amount_eur) filter (where status = 'acquis'), 0) as funding_known_eur,
        count(*) filter (where status = 'acquis' and amount_eur is null) as funding_unknown_lines,
        coalesce(sum(amount_eur) filter (where status = 'prevu'), 0) as funding_planned_eur,
        coalesce(sum(amount_eur) filter (where status = 'demande'), 0) as funding_requested_eur
    from funding
    where ($campuses is null or list_contains($campuses, campus_id))
        and ($year is null or year = $year)
),

final as (
    select
        *
    from campus_count, action_counts, reach_totals, funding_totals
)
select * from final
