-- question: for one campus, every indicator with its value and target per year, and the batch that set it
-- grain: one row per indicator and year (indicators with no value appear once, with a null year)
-- params: $campus (campus code)
with indicators_of_campus as (
    select
        i.indicator_id,
        i.name,
        i.unit,
        o.objective_id,
        o.title as objective_title
    from indicators i
    left join objectives o using (objective_id)
    where i.campus_id = $campus
),

values_of_campus as (
    select
        v.indicator_id,
        v.year,
        v.value,
        v.target,
        v.comment,
        v.batch_id,
        b.file_name,
        b.user_name,
        b.committed_at
    from indicator_values v
    left join batches b using (batch_id)
    where v.campus_id = $campus
),

final as (
    select
        i.objective_title,
        i.indicator_id,
        i.name,
        i.unit,
        v.year,
        v.value,
        v.target,
        v.comment,
        v.batch_id,
        v.file_name,
        v.user_name,
        v.committed_at
    from indicators_of_campus i
    left join values_of_campus v using (indicator_id)
    order by i.objective_id, i.indicator_id, v.year
)
select * from final
