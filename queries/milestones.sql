-- question: which dated governance milestones (labelling, recruitments, committees, instances) do the chosen campuses
--           and the whole region have?
-- grain: one row per milestone: a campus's, or a whole region's (campus_id null, its region named), which every choice
--        of that region's campuses shows (one naming no region: every choice shows it)
-- params: $campuses (list of campus codes or null for all)
with chosen_regions as (
    select distinct region
    from campuses
    where $campuses is null or list_contains($campuses, campus_id)
),

final as (
    select
        milestone_id,
        campus_id,
        region,
        start_date,
        end_date,
        date_text,
        milestone_kind,
        milestone_status,
        title,
        place,
        comment,
        source
    from milestones
    where (campus_id is null and (region is null or region in (select region from chosen_regions)))
        or $campuses is null
        or list_contains($campuses, campus_id)
    order by start_date, campus_id nulls first, milestone_id
)
select * from final
