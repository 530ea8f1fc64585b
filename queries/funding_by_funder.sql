-- question: who finances the campuses, with how much when the amount is known?
-- grain: one row per funder; amounts not known are counted apart, never summed as 0
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
with selected as (
    select
        funder,
        funder_type,
        campus_id,
        amount_eur,
        status
    from funding
    where ($campuses is null or list_contains($campuses, campus_id))
        and ($year is null or year = $year)
),

final as (
    select
        funder,
        any_value(funder_type) as funder_type,
        sum(amount_eur) filter (where status = 'acquis') as acquired_eur,
        sum(amount_eur) filter (where status <> 'acquis') as expected_eur,
        count(*) filter (where amount_eur is null) as lines_amount_unknown,
        count(*) as lines,
        count(distinct campus_id) as campuses
    from selected
    group by funder
    order by coalesce(acquired_eur, 0) + coalesce(expected_eur, 0) desc, funder
)
select * from final
