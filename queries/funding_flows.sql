-- question: how much does each funder give to each campus, where the amount is known?
-- grain: one row per funder × campus; unknown amounts are counted apart, never summed as 0
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
with selected as (
    select
        f.funder,
        f.funder_type,
        f.campus_id,
        c.region,
        f.amount_eur
    from funding f
    left join campuses c using (campus_id)
    where ($campuses is null or list_contains($campuses, f.campus_id))
        and ($year is null or f.year = $year)
),

final as (
    select
        funder,
        any_value(funder_type) as funder_type,
        campus_id,
        any_value(region) as region,
        sum(amount_eur) as amount_eur,
        count(*) as lines,
        count(*) filter (where amount_eur is null) as lines_amount_unknown
    from selected
    group by funder, campus_id
    order by amount_eur desc nulls last, funder, campus_id
)
select * from final
