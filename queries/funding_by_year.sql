-- question: how has the known funding of the chosen campuses moved from year to year, by type of funder?
-- grain: one row per year and funder type
-- params: $campuses (list of campus codes or null for all), $until (a document's year: no later year; null for all)
with final as (
    select
        year,
        funder_type,
        sum(amount_eur) as amount_eur,
        count(*) as lines,
        count(*) filter (where amount_eur is null) as lines_amount_unknown
    from funding
    where ($campuses is null or list_contains($campuses, campus_id))
        and ($until is null or year <= $until)
    group by year, funder_type
    order by year, funder_type
)
select * from final
