-- Question (weekly brief, section 人口): how many people are managed where, and
-- how old are they? The district's brief lists its streets (rpt_headline_figures,
-- the one definition of each headline number); a street's brief lists its
-- communities at rpt_population_structure's latest month. Shares are ratios
-- of the published cells: a share divides by the managed counts of the cells
-- whose numerator is published. The unlocated street or community (未定位)
-- comes first (brief_order), never cut off.
with

streets as (
    {{ current_streets() }}
),

areas as (
    select * from {{ published('dim_community_current') }}
),

district_rows as (
    select
        'district' as brief_area,
        coalesce(streets.street_name, headline.unit_code) as area,
        headline.is_unlocated,
        headline.managed_population as managed_count,
        headline.unlocated_population as unlocated_count,
        round(headline.hukou_share, 3) as hukou_share,
        round(headline.elderly_60_plus_share, 3) as elderly_60_plus_share,
        headline.unit_code
    from {{ published('rpt_headline_figures') }} as headline
    left join streets on headline.unit_code = streets.street_code
    where headline.unit_level = 'street'
),

latest as (
    select max(month_start) as month_start
    from {{ published('rpt_population_structure') }}
),

community_rows as (
    select
        structure.street_code as brief_area,
        coalesce(min(areas.community_name), structure.unit_code) as area,
        min(structure.is_unlocated) as is_unlocated,
        cast(sum(structure.managed_count) as bigint) as managed_count,
        cast(null as bigint) as unlocated_count,
        round(
            sum(structure.hukou_count)
            / nullif(sum(case when structure.hukou_count is not null then structure.managed_count end), 0),
            3
        ) as hukou_share,
        round(
            sum(structure.elderly_60_plus_count)
            / nullif(
                sum(case when structure.elderly_60_plus_count is not null then structure.managed_count end), 0
            ),
            3
        ) as elderly_60_plus_share,
        structure.unit_code
    from {{ published('rpt_population_structure') }} as structure
    inner join latest on structure.month_start = latest.month_start
    left join areas on structure.unit_code = areas.community_code
    where structure.unit_level = 'community'
    group by structure.street_code, structure.unit_code
),

unioned as (
    select * from district_rows
    union all
    select * from community_rows
),

final as (
    select
        brief_area,
        cast(row_number() over (
            partition by brief_area
            order by is_unlocated desc, managed_count desc nulls last, unit_code asc nulls last
        ) as bigint) as brief_order,
        area,
        unit_code,
        is_unlocated,
        managed_count,
        unlocated_count,
        hukou_share,
        elderly_60_plus_share
    from unioned
)

select * from final
