-- Question: how far off would the projection have been a year ago? The same
-- cohort-component model as rpt_population_projection (macros/projection.sql)
-- run from the managed population 12 months before the as-of date, with net
-- migration from the 12 months before that, one year ahead, compared with
-- the managed population observed at the as-of date (fct_person_status, one
-- definition). Per street and for the district, by 5-year age band ('85+',
-- 'unknown') and in total ('all'): projected, observed, error, absolute
-- percentage error. Street-level MAPE = the mean of abs_pct_error over the
-- street rows (docs/PROJECTIONS.md).
with

cohorts as (
    select * from {{ ref('fct_population_cohorts') }}
),

streets as (
    select * from {{ ref('dim_street') }}
),

stock_start as (
    select
        community_code,
        street_code,
        sex,
        age_years,
        cast(person_count as double) as persons
    from cohorts
    where years_before_as_of = 2
),

base as (
    select
        community_code,
        street_code,
        sex,
        age_years,
        cast(person_count as double) as persons
    from cohorts
    where years_before_as_of = 1
),

observed as (
    select
        street_code,
        age_years,
        cast(person_count as double) as persons
    from cohorts
    where years_before_as_of = 0
),

dates as (
    select
        max(case when years_before_as_of = 1 then observed_on end) as base_date,
        max(as_of_date) as target_date
    from cohorts
),

{{ migration_rates('stock_start', 'base', 'rates', var('projection_migration_credibility')) }},

{{ projection_step('base', 'rates', 'year_1') }},

cells as (
    select
        street_code,
        age_years,
        persons as projected,
        0 as observed
    from year_1
    union all
    select
        street_code,
        age_years,
        0 as projected,
        persons as observed
    from observed
),

banded as (
    select
        street_code,
        case
            when age_years is null then 'unknown'
            when age_years >= 85 then '85+'
            else {{ dbt.concat([
                as_string('cast(floor(age_years / 5) * 5 as integer)'), "'-'",
                as_string('cast(floor(age_years / 5) * 5 + 4 as integer)')]) }}
        end as age_group,
        case when age_years is not null then least(cast(floor(age_years / 5) * 5 as integer), 85) end as age_from,
        projected,
        observed
    from cells
),

by_street as (
    select
        street_code,
        age_group,
        age_from,
        false as is_total,
        sum(projected) as projected,
        sum(observed) as observed
    from banded
    group by street_code, age_group, age_from
    union all
    select
        street_code,
        'all' as age_group,
        cast(null as integer) as age_from,
        true as is_total,
        sum(projected) as projected,
        sum(observed) as observed
    from banded
    group by street_code
),

levels as (
    select
        'street' as unit_level,
        street_code as unit_code,
        street_code,
        age_group,
        age_from,
        is_total,
        projected,
        observed
    from by_street
    union all
    select
        'district' as unit_level,
        {{ district_code_of('street_code') }} as unit_code,
        cast(null as {{ dbt.type_string() }}) as street_code,
        age_group,
        age_from,
        is_total,
        sum(projected) as projected,
        sum(observed) as observed
    from by_street
    group by {{ district_code_of('street_code') }}, age_group, age_from, is_total
),

final as (
    select
        {{ dbt.concat(['levels.unit_level', "'|'", 'levels.unit_code', "'|'", 'levels.age_group']) }} as backtest_key,
        levels.unit_level,
        levels.unit_code,
        levels.street_code,
        streets.street_name,
        dates.base_date,
        dates.target_date,
        levels.age_group,
        cast(levels.age_from as integer) as age_from,
        levels.is_total,
        cast(levels.projected as double) as projected_persons,
        cast(levels.observed as double) as observed_persons,
        cast(levels.projected - levels.observed as double) as error,
        case
            when levels.observed > 0
                then cast(abs(levels.projected - levels.observed) * 100 / levels.observed as double)
        end as abs_pct_error
    from levels
    cross join dates
    left join streets on levels.street_code = streets.street_code
)

select * from final
