-- question: which actions lie behind the action charts, and which import produced each?
-- grain: one row per action
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
with final as (
    select
        a.campus_id,
        a.action_id,
        a.title,
        a.status,
        a.start_date,
        a.end_date,
        a.year,
        a.co_campuses,
        a.source,
        b.file_name,
        b.user_name,
        b.committed_at
    from actions a
    left join batches b on b.batch_id = a.batch_id
    where ($campuses is null or list_contains($campuses, a.campus_id))
        and ($year is null or a.year = $year)
    order by a.campus_id, a.action_id
)
select * from final
