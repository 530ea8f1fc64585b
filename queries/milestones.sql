-- question: which dated governance milestones (labelling, recruitments, committees, instances) do the chosen campuses
--           and the whole region have?
-- grain: one row per milestone: a campus's, or the region's (campus_id null), which every choice of campuses shows
-- params: $campuses (list of campus codes or null for all)
with final as (
    select
        milestone_id,
        campus_id,
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
    where campus_id is null or $campuses is null or list_contains($campuses, campus_id)
    order by start_date, campus_id nulls first, milestone_id
)
select * from final
