-- question: the headline figures of funding: known total, acquired, private share, lines whose amount is not known
-- grain: one row; shares are computed on known amounts only
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
with selected as (
    select
        funder,
        funder_type,
        amount_eur,
        status
    from funding
    where ($campuses is null or list_contains($campuses, campus_id))
        and ($year is null or year = $year)
),

final as (
    select
        count(*) as lines,
        count(distinct funder) as funders,
        sum(amount_eur) as known_eur,
        sum(amount_eur) filter (where status = 'acquis') as acquired_eur,
        sum(amount_eur) filter (where funder_type = 'entreprise') as private_eur,
        count(*) filter (where amount_eur is null) as lines_amount_unknown,
        count(*) filter (where funder_type = 'entreprise') as private_lines,
        count(*) filter (where funder_type = 'entreprise' and amount_eur is null) as private_lines_amount_unknown
    from selected
)
select * from final
