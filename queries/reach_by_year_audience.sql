-- question: how has the reach of the chosen campuses moved from year to year, by audience?
-- grain: one row per year and audience; a joint action reported by several campuses counts once
-- params: $campuses (list of campus codes or null for all), $until (a document's year: no later year; null for all)
-- Only a joint action (one with associated campuses) can be reported by several campuses (the importer refuses
-- another campus's figure for any other action). So: every figure summed, minus what the joint actions' figures add
-- beyond their largest one, rather than grouping every figure of every year per action (the catalogue's
-- reach_once, which the other reach queries use, does that grouping: at stress size it took 1.5 s here, this 0.8 s).
with chosen as (
    select
        action_id,
        year,
        audience,
        detail,
        count
    from reach
    where ($campuses is null or list_contains($campuses, campus_id))
        and ($until is null or year <= $until)
),

joint as (
    select
        action_id
    from actions
    where coalesce(co_campuses, '') <> ''
),

totals as (
    select
        year,
        audience,
        sum(count) as reached
    from chosen
    group by year, audience
),

reported_twice as (
    select
        year,
        audience,
        sum(count) - max(count) as excess
    from chosen
    semi join joint using (action_id)
    group by action_id, year, audience, detail
),

final as (
    select
        t.year,
        t.audience,
        cast(t.reached - coalesce(sum(r.excess), 0) as bigint) as reached
    from totals t
    left join reported_twice r using (year, audience)
    group by t.year, t.audience, t.reached
    order by t.year, t.audience
)
select * from final
