-- question: which funding lines have no known amount (listed as « non renseigné », never summed as 0)?
-- grain: one row per funding line whose amount is missing
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
with final as (
    select
        campus_id,
        funder,
        year,
        programme,
        kind,
        status,
        comment
    from funding
    where amount_eur is null
        and ($campuses is null or list_contains($campuses, campus_id))
        and ($year is null or year = $year)
    order by campus_id, year, funder, programme
)
select * from final
