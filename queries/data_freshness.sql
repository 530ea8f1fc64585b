-- question: when was the store last changed?
-- grain: one row
-- params: none
with final as (
    select
        max(committed_at) as last_commit,
        count(*) as batches
    from batches
)
select * from final
