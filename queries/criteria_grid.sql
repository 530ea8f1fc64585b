-- question: where does each campus stand on each of the 11 labelling criteria, and why?
-- grain: one row per campus and criterion (level null when the campus has not assessed it); level_basis says whether
--        the source states the level (enonce, also a campus's own declaration) or the level is read from its text
-- params: $year (integer or null for each campus's latest assessment), $campuses (list of campus codes or null for all)
with assessed as (
    select
        campus_id,
        criterion_no,
        year,
        level,
        coalesce(level_basis, 'enonce') as level_basis,
        comment
    from criteria_assessments
    where $year is null or year = $year
    qualify row_number() over (partition by campus_id, criterion_no order by year desc) = 1
),

grid as (
    select
        c.campus_id,
        k.criterion_no,
        k.title,
        k.excellence_requirement
    from campuses c
    cross join criteria k
    where $campuses is null or list_contains($campuses, c.campus_id)
),

final as (
    select
        g.campus_id,
        g.criterion_no,
        g.title,
        g.excellence_requirement,
        a.year,
        a.level,
        a.level_basis,
        a.comment
    from grid g
    left join assessed a using (campus_id, criterion_no)
    order by g.campus_id, g.criterion_no
)
select * from final
