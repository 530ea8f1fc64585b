-- question: which reach figures lie behind the reach charts, and which import produced each?
-- grain: one row per reach figure (campus, action, year, audience and its detail)
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
with final as (
    select
        r.campus_id,
        a.title as action_title,
        r.year,
        r.audience,
        r.detail,
        r.count,
        r.women,
        r.approximate,
        r.comment,
        r.source,
        b.file_name,
        b.user_name,
        b.committed_at
    from reach r
    left join actions a using (action_id)
    left join batches b on b.batch_id = r.batch_id
    where ($campuses is null or list_contains($campuses, r.campus_id))
        and ($year is null or r.year = $year)
    order by r.campus_id, r.action_id, r.audience, r.detail
)
select * from final
