-- question: which funding lines lie behind the funding charts, and which import produced each?
-- grain: one row per funding line (campus, funder, year, programme)
-- params: $year (integer or null for every year), $campuses (list of campus codes or null for all)
with final as (
    select
        f.campus_id,
        f.funder,
        f.year,
        f.programme,
        f.funder_type,
        f.amount_eur,
        f.kind,
        f.status,
        f.comment,
        f.source,
        b.file_name,
        b.user_name,
        b.committed_at
    from funding f
    left join batches b on b.batch_id = f.batch_id
    where ($campuses is null or list_contains($campuses, f.campus_id))
        and ($year is null or f.year = $year)
    order by f.campus_id, f.year, f.funder
)
select * from final
