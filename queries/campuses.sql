-- question: which campuses are there, with their sector, label and carrying structure?
-- grain: one row per campus
-- params: none
with final as (
    select
        campus_id,
        name,
        region,
        academie,
        sector,
        label,
        labelled_year,
        carrier,
        carrier_type,
        city,
        latitude,
        longitude
    from campuses
    order by campus_id
)
select * from final
