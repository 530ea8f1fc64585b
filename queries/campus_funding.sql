-- question: who finances a campus, how much (when known), in what form and with what status?
-- grain: one row per funding line
-- params: $campus (campus code), $year (integer or null for every year)
with final as (
    select
        year,
        funder,
        funder_type,
        programme,
        amount_eur,
        kind,
        status,
        comment
    from funding
    where campus_id = $campus
        and ($year is null or year = $year)
    order by year, amount_eur desc nulls last, funder
)
select * from final
