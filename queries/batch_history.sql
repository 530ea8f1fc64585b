-- question: which files were imported, by whom, when, with what effect, and were they reverted?
-- grain: one row per batch, newest first
-- params: $campus (campus code or null for all), $table_name (table or null for all)
with selected as (
    select
        batch_id,
        table_name,
        campus_id,
        file_name,
        sha256,
        rows,
        inserted,
        updated,
        unchanged,
        user_name,
        committed_at,
        reverted_at,
        reverted_by
    from batches
    where ($campus is null or list_contains(string_split(coalesce(campus_id, ''), ','), $campus))
        and ($table_name is null or table_name = $table_name)
),

final as (
    select
        *,
        reverted_at is not null as reverted
    from selected
    order by batch_id desc
)
select * from final
