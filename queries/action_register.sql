-- question: which actions match the committee's search (campus, status, objective, year, words of the title)?
-- grain: one row per action, with its objectives and the people it reached (structures apart)
-- params: $year (integer or null), $campuses (list of campus codes or null), $statuses (list of status codes or null),
--         $objective (objective id or null: actions linked to it or to any objective below it), $search (text or null)
with recursive below(objective_id) as (
    select objective_id from objectives where objective_id = $objective
    union
    select o.objective_id from objectives o join below b on o.parent_id = b.objective_id
),

-- the actions the filters keep, before anything is joined to them
selected as (
    select
        *
    from actions a
    where ($campuses is null or list_contains($campuses, a.campus_id)
            or list_has_any($campuses, string_split(replace(coalesce(a.co_campuses, ''), ' ', ''), ',')))
        and ($year is null or a.year = $year)
        and ($statuses is null or list_contains($statuses, a.status))
        and ($search is null or strip_accents(lower(concat_ws(' ', a.action_id, a.title, a.description)))
            like '%' || strip_accents(lower($search)) || '%')
),

linked as (
    select
        ao.action_id,
        string_agg(o.title, ' ; ' order by o.position, o.objective_id) as objectives,
        bool_or(ao.objective_id in (select objective_id from below)) as under_objective
    from action_objectives ao
    join objectives o using (objective_id)
    where ao.action_id in (select action_id from selected)
    group by ao.action_id
),

-- people only (structures reached are counted apart); a joint action's figure is the same whoever reports it
reached as (
    select
        action_id,
        cast(sum(count) as bigint) as people_reached
    from (
        -- reach_once's rule (a joint action's largest figure), applied to the selected actions' figures only: the
        -- macro would group every figure of the store before the filter (measured: cold page +33 % at national size)
        select action_id, year, audience, detail, max(count) as count
        from reach
        where audience in (select audience from audiences where not is_structure)
            and action_id in (select action_id from selected)
        group by action_id, year, audience, detail
    )
    group by action_id
),

final as (
    select
        a.campus_id,
        a.action_id,
        a.title,
        a.status,
        a.year,
        a.start_date,
        a.end_date,
        a.co_campuses,
        l.objectives,
        r.people_reached,
        a.description
    from selected a
    left join linked l using (action_id)
    left join reached r using (action_id)
    where $objective is null or coalesce(l.under_objective, false)
    order by a.campus_id, a.year desc, a.action_id
)
select * from final
