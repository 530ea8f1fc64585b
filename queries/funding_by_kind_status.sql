-- question: in what form (financier, en nature, poste) and how firmly (acquis, prévu, demandé) are the campuses funded?
-- grain: one row per kind × status
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
with final as (
    select
        kind,
        status,
        sum(amount_eur) as amount_eur,
        count(*) as lines,
        count(*) filter (where amount_eur is null) as lines_amount_unknown
    from funding
    where ($campuses is null or list_contains($campuses, campus_id))
        and ($year is null or year = $year)
    group by kind, status
    order by kind, status
)
select * from final
