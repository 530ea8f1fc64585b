-- question: which strategic and operational objectives can the action register be filtered on?
-- grain: one row per objective of the chosen campuses, in tree order
-- params: $campuses (list of campus codes or null for all)
with final as (
    select
        objective_id,
        campus_id,
        level,
        title
    from objectives
    where level in ('strategique', 'operationnel')
        and ($campuses is null or list_contains($campuses, campus_id))
    order by campus_id, coalesce(parent_id, objective_id), level desc, position, objective_id
)
select * from final
