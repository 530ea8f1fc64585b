-- question: how much does each funder give to each campus, where the amount is known?
-- grain: one row per funder × campus with a known amount; unknown amounts are counted apart, never summed as 0
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
with final as (
    select
        funder,
        any_value(funder_type) as funder_type,
        campus_id,
        sum(amount_eur) as amount_eur,
        count(*) as lines,
        count(*) filter (where amount_eur is null) as lines_amount_unknown
    from funding
    where ($campuses is null or list_contains($campuses, campus_id))
        and ($year is null or year = $year)
    group by funder, campus_id
    order by amount_eur desc nulls last, funder, campus_id
)
select * from final
