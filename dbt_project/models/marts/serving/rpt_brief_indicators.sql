-- Question (weekly brief, section 指标对标): where do the plan indicators stand
-- against their targets? The district's brief shows the district's measured
-- indicators; a street's brief its own, or the district's where the mart has
-- none for the street (is_district_level, which the brief says).
with

indicators as (
    select
        street_code,
        indicator_code,
        {{ dbt.concat(['indicator_name_zh', "' '", 'indicator_name_en']) }} as indicator,
        unit,
        comparator,
        round(measured_value, 2) as measured_value,
        target_value,
        is_target_met
    from {{ published('rpt_plan_indicators') }}
    where is_measured
),

briefs as (
    select
        'district' as brief_area,
        cast(null as {{ dbt.type_string() }}) as street_code
    union all
    select
        street_code as brief_area,
        street_code
    from {{ published('rpt_brief_streets') }}
),

streets_measured as (
    select distinct street_code
    from indicators
    where street_code is not null
),

with_own as (
    select
        briefs.brief_area,
        briefs.street_code,
        streets_measured.street_code is not null as has_own
    from briefs
    left join streets_measured on briefs.street_code = streets_measured.street_code
),

final as (
    select
        with_own.brief_area,
        indicators.indicator_code,
        indicators.indicator,
        indicators.unit,
        indicators.comparator,
        indicators.measured_value,
        indicators.target_value,
        indicators.is_target_met,
        indicators.street_code is null as is_district_level
    from with_own
    inner join indicators
        on
            (with_own.has_own and with_own.street_code = indicators.street_code)
            or (not with_own.has_own and indicators.street_code is null)
)

select * from final
