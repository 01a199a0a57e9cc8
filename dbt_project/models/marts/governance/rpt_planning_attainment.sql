-- Question: is each street on track for the plan's targets (规划辅助
-- dashboard)? rpt_plan_indicators' rows with the unit's name, the gap to the
-- target and the attainment ratio (≥ 1 = target met: measured / target for
-- an at-least target, target / measured for an at-most one). Nothing is
-- recomputed: the values and targets are rpt_plan_indicators'.
with

indicators as (
    select * from {{ ref('rpt_plan_indicators') }}
),

streets as (
    select * from {{ ref('dim_street') }}
),

final as (
    select
        indicators.plan_indicator_key,
        indicators.unit_level,
        indicators.street_code,
        case
            when indicators.unit_level = 'district' then '全区'
            else streets.street_name
        end as unit_name,
        indicators.community_code,
        indicators.indicator_code,
        indicators.indicator_name_zh,
        indicators.unit,
        indicators.comparator,
        indicators.target_value,
        indicators.measured_value,
        indicators.measured_value - indicators.target_value as gap_to_target,
        case
            when indicators.comparator in ('>=', '>')
                then indicators.measured_value / nullif(indicators.target_value, 0)
            when indicators.comparator in ('<=', '<')
                then indicators.target_value / nullif(indicators.measured_value, 0)
        end as attainment_ratio,
        indicators.is_target_met,
        case
            when not indicators.is_measured then '未测量'
            when indicators.is_target_met then '达标'
            else '未达标'
        end as attainment_status,
        indicators.plan_name,
        indicators.plan_end_year
    from indicators
    left join streets on indicators.street_code = streets.street_code
)

select * from final
