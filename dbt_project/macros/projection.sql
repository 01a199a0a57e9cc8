{#- Cohort-component population projection (docs/PROJECTIONS.md).

    Stocks are CTEs with the columns community_code, street_code, sex,
    age_years (0-100, 100 = 100+; null = age unknown) and persons. Rates come
    from the seeds projection_survival, projection_fertility, projection_births.
    Plain SQL on both engines: the projection years are unrolled by a Jinja
    loop (no recursive CTE). -#}

{#- the age groups net-migration rates are pooled in: 0, 1-4, 5-9, ..., 85+,
    and -1 for the persons of unknown age -#}
{% macro migration_age_group(age) -%}
    case
        when {{ age }} is null then -1
        when {{ age }} = 0 then 0
        when {{ age }} < 5 then 1
        else least(cast(floor({{ age }} / 5) * 5 as integer), 85)
    end
{%- endmacro %}


{#- One year of the cohort-component model from `start` (a stock) to the CTE
    `<name>`: survivors aged one year more (survival ratio of their sex and
    age), plus net migrants (the cohort times the net-migration rate of its
    community, sex and age group at the end of the year), plus the year's
    births (women 15-49, the mean of the start and end of the year, times the
    age-specific fertility rate; split by the sex ratio at birth; surviving to
    the year's end at L0/l0, plus the age-0 migration rate per birth). Persons
    of unknown age are carried unchanged: they neither age, die nor migrate
    (their count follows the quality of birth-date records, not a population
    process; a rate estimated from it compounded to billions at district
    scale). Negative cells are 0.
    `rates`: community_code, sex, age_group, migration_rate. -#}
{% macro projection_step(start, rates, name) -%}
{{ name }}_aged as (
    select
        {{ start }}.community_code,
        {{ start }}.street_code,
        {{ start }}.sex,
        least({{ start }}.age_years + 1, 100) as age_years,
        sum({{ start }}.persons * greatest(survival.survival_ratio + coalesce({{ rates }}.migration_rate, 0), 0))
            as persons
    from {{ start }}
    inner join {{ ref('projection_survival') }} as survival
        on {{ start }}.sex = survival.sex and {{ start }}.age_years = survival.age_years
    left join {{ rates }}
        on
            {{ start }}.community_code = {{ rates }}.community_code
            and {{ start }}.sex = {{ rates }}.sex
            and {{ rates }}.age_group = {{ migration_age_group('least(' ~ start ~ '.age_years + 1, 100)') }}
    where {{ start }}.age_years is not null
    group by {{ start }}.community_code, {{ start }}.street_code, {{ start }}.sex, least({{ start }}.age_years + 1, 100)
),

{{ childbearing_women(name ~ '_women', start, name ~ '_aged') }},

{{ name }}_births as (
    select
        {{ name }}_women.community_code,
        {{ name }}_women.street_code,
        births.sex,
        cast(0 as integer) as age_years,
        sum({{ name }}_women.women * fertility.fertility_rate) * max(births.share_of_births)
        * greatest(max(births.survival_to_year_end) + coalesce(max({{ rates }}.migration_rate), 0), 0) as persons
    from {{ name }}_women
    inner join {{ ref('projection_fertility') }} as fertility on {{ name }}_women.age_years = fertility.age_years
    cross join {{ ref('projection_births') }} as births
    left join {{ rates }}
        on
            {{ name }}_women.community_code = {{ rates }}.community_code
            and births.sex = {{ rates }}.sex
            and {{ rates }}.age_group = 0
    group by {{ name }}_women.community_code, {{ name }}_women.street_code, births.sex
),

{{ name }} as (
    select community_code, street_code, sex, age_years, persons from {{ name }}_aged
    union all
    select community_code, street_code, sex, age_years, persons from {{ name }}_births
    union all
    select
        {{ start }}.community_code,
        {{ start }}.street_code,
        {{ start }}.sex,
        {{ start }}.age_years,
        {{ start }}.persons
    from {{ start }}
    where {{ start }}.age_years is null
)
{%- endmacro %}

{#- Net-migration rates from two observed stocks a year apart (`start_stock`,
    `end_stock`), into the CTE `<name>` (community_code, sex, age_group,
    migration_rate). Per community, sex and age at the end of the year: the
    persons observed at the end minus those the model expects without
    migration (the cohort's survivors, or for age 0 the year's expected
    births surviving), over the cohort at the start (births for age 0).
    Pooled in age groups; a street's rate leans on the district's and a
    community's on its street's by `credibility` persons at the higher rate
    ((net + K x rate above) / (exposure + K)), so a small cell does not make
    a wild rate. -#}
{% macro migration_rates(start_stock, end_stock, name, credibility) -%}
{{ name }}_cohorts as (
    select
        {{ start_stock }}.community_code,
        {{ start_stock }}.street_code,
        {{ start_stock }}.sex,
        least({{ start_stock }}.age_years + 1, 100) as age_years,
        sum({{ start_stock }}.persons) as exposure,
        sum({{ start_stock }}.persons * survival.survival_ratio) as expected
    from {{ start_stock }}
    inner join {{ ref('projection_survival') }} as survival
        on {{ start_stock }}.sex = survival.sex and {{ start_stock }}.age_years = survival.age_years
    where {{ start_stock }}.age_years is not null
    group by
        {{ start_stock }}.community_code, {{ start_stock }}.street_code, {{ start_stock }}.sex,
        least({{ start_stock }}.age_years + 1, 100)
),

{{ childbearing_women(name ~ '_women', start_stock, end_stock) }},

{{ name }}_births as (
    select
        {{ name }}_women.community_code,
        {{ name }}_women.street_code,
        births.sex,
        cast(0 as integer) as age_years,
        sum({{ name }}_women.women * fertility.fertility_rate) * max(births.share_of_births) as exposure,
        sum({{ name }}_women.women * fertility.fertility_rate) * max(births.share_of_births)
        * max(births.survival_to_year_end) as expected
    from {{ name }}_women
    inner join {{ ref('projection_fertility') }} as fertility on {{ name }}_women.age_years = fertility.age_years
    cross join {{ ref('projection_births') }} as births
    group by {{ name }}_women.community_code, {{ name }}_women.street_code, births.sex
),

{{ name }}_expected as (
    select community_code, street_code, sex, age_years, exposure, expected from {{ name }}_cohorts
    union all
    select community_code, street_code, sex, age_years, exposure, expected from {{ name }}_births
    union all
    -- persons of unknown age: no ageing, no deaths; the change is migration
    select community_code, street_code, sex, age_years, persons as exposure, persons as expected
    from {{ start_stock }}
    where age_years is null
),

{{ name }}_cells as (
    select
        community_code,
        street_code,
        sex,
        age_years,
        sum(exposure) as exposure,
        sum(observed) - sum(expected) as net_migrants
    from (
        select community_code, street_code, sex, age_years, exposure, expected, 0 as observed
        from {{ name }}_expected
        union all
        select community_code, street_code, sex, age_years, 0 as exposure, 0 as expected, persons as observed
        from {{ end_stock }}
    ) as cells
    group by community_code, street_code, sex, age_years
),

{{ name }}_community as (
    select
        community_code,
        street_code,
        sex,
        {{ migration_age_group('age_years') }} as age_group,
        sum(exposure) as exposure,
        sum(net_migrants) as net_migrants
    from {{ name }}_cells
    group by community_code, street_code, sex, {{ migration_age_group('age_years') }}
),

{{ name }}_district as (
    select
        sex,
        age_group,
        case when sum(exposure) > 0 then sum(net_migrants) / sum(exposure) else 0 end as migration_rate
    from {{ name }}_community
    group by sex, age_group
),

-- every community of the end stock with every (sex, age group) the district has
{{ name }}_keys as (
    select
        communities.community_code,
        communities.street_code,
        {{ name }}_district.sex,
        {{ name }}_district.age_group,
        {{ name }}_district.migration_rate as district_rate
    from (select distinct community_code, street_code from {{ name }}_cells) as communities
    cross join {{ name }}_district
),

{{ name }}_street as (
    select street_code, sex, age_group, sum(exposure) as exposure, sum(net_migrants) as net_migrants
    from {{ name }}_community
    group by street_code, sex, age_group
),

{{ name }}_street_rates as (
    select distinct
        {{ name }}_keys.street_code,
        {{ name }}_keys.sex,
        {{ name }}_keys.age_group,
        (coalesce({{ name }}_street.net_migrants, 0) + {{ credibility }} * {{ name }}_keys.district_rate)
        / (coalesce({{ name }}_street.exposure, 0) + {{ credibility }}) as migration_rate
    from {{ name }}_keys
    left join {{ name }}_street
        on
            {{ name }}_keys.street_code = {{ name }}_street.street_code
            and {{ name }}_keys.sex = {{ name }}_street.sex
            and {{ name }}_keys.age_group = {{ name }}_street.age_group
),

{{ name }} as (
    select
        {{ name }}_keys.community_code,
        {{ name }}_keys.street_code,
        {{ name }}_keys.sex,
        {{ name }}_keys.age_group,
        coalesce({{ name }}_community.exposure, 0) as exposure,
        coalesce({{ name }}_community.net_migrants, 0) as net_migrants,
        {{ name }}_keys.district_rate,
        {{ name }}_street_rates.migration_rate as street_rate,
        (coalesce({{ name }}_community.net_migrants, 0) + {{ credibility }} * {{ name }}_street_rates.migration_rate)
        / (coalesce({{ name }}_community.exposure, 0) + {{ credibility }}) as migration_rate
    from {{ name }}_keys
    inner join {{ name }}_street_rates
        on
            {{ name }}_keys.street_code = {{ name }}_street_rates.street_code
            and {{ name }}_keys.sex = {{ name }}_street_rates.sex
            and {{ name }}_keys.age_group = {{ name }}_street_rates.age_group
    left join {{ name }}_community
        on
            {{ name }}_keys.community_code = {{ name }}_community.community_code
            and {{ name }}_keys.sex = {{ name }}_community.sex
            and {{ name }}_keys.age_group = {{ name }}_community.age_group
)
{%- endmacro %}

{#- The CTE `<name>`: women aged 15-49 per community and single year of age,
    the mean of a year's two ends (`start`, `end`: stocks of persons), which
    the fertility rates multiply for the year's births. -#}
{% macro childbearing_women(name, start, end) -%}
{{ name }} as (
    select
        community_code,
        street_code,
        age_years,
        sum(persons) / 2 as women
    from (
        select community_code, street_code, age_years, persons from {{ start }}
        where sex = 'female' and age_years between 15 and 49
        union all
        select community_code, street_code, age_years, persons from {{ end }}
        where sex = 'female' and age_years between 15 and 49
    ) as both_ends
    group by community_code, street_code, age_years
)
{%- endmacro %}

{#- Spark's form of the projection years (rpt_population_projection): the
    same arithmetic as projection_step, written so that each year reads the
    year before exactly once. Spark inlines every reference to a CTE, and
    projection_step reads its start four times (directly, through the
    survivors, the women and the births), so five unrolled years made
    4^5 copies of the plan and ran the driver out of memory; DuckDB
    materialises the CTEs and keeps projection_step.
    `start`: the stocks of every year so far (projection_year, community_code,
    street_code, sex, age_years, persons). `<name>`: the same rows plus the
    stock of `year`, from the stock of year - 1. Three passes over one chain:
    1. `<name>_roles`: each row of the year before as a survivor (role
       'aged': one year older, survival and migration applied), a person of
       unknown age carried unchanged ('carry'), a woman 15-49 at the start
       ('women'); every earlier row kept as it is ('keep');
    2. `<name>_pooled`: the women 15-49 of both ends of the year (the start's
       and the survivors'), the mean of the two (childbearing_women); every
       other row passed on;
    3. `<name>`: the births of those women (as in projection_step), every
       other row passed on. A passed row is alone in its group, so its sum
       is its value. -#}
{% macro projection_step_chained(start, rates, name, year) -%}
{{ name }}_roles as (
    select
        roles.role,
        case when roles.role = 'keep' then {{ start }}.projection_year else {{ year }} end as projection_year,
        {{ start }}.community_code,
        {{ start }}.street_code,
        {{ start }}.sex,
        case
            when roles.role = 'aged' then least({{ start }}.age_years + 1, 100) else {{ start }}.age_years
        end as age_years,
        sum(
            case
                when roles.role = 'aged'
                    then {{ start }}.persons
                    * greatest(survival.survival_ratio + coalesce({{ rates }}.migration_rate, 0), 0)
                else {{ start }}.persons
            end
        ) as persons
    from {{ start }}
    cross join (
        select 'keep' as role
        union all
        select 'aged' as role
        union all
        select 'carry' as role
        union all
        select 'women' as role
    ) as roles
    left join {{ ref('projection_survival') }} as survival
        on
            roles.role = 'aged'
            and {{ start }}.sex = survival.sex
            and {{ start }}.age_years = survival.age_years
    left join {{ rates }}
        on
            roles.role = 'aged'
            and {{ start }}.community_code = {{ rates }}.community_code
            and {{ start }}.sex = {{ rates }}.sex
            and {{ rates }}.age_group = {{ migration_age_group('least(' ~ start ~ '.age_years + 1, 100)') }}
    where
        roles.role = 'keep'
        or (
            {{ start }}.projection_year = {{ year - 1 }}
            and (
                (roles.role = 'aged' and {{ start }}.age_years is not null and survival.sex is not null)
                or (roles.role = 'carry' and {{ start }}.age_years is null)
                or (roles.role = 'women' and {{ start }}.sex = 'female' and {{ start }}.age_years between 15 and 49)
            )
        )
    group by
        roles.role,
        case when roles.role = 'keep' then {{ start }}.projection_year else {{ year }} end,
        {{ start }}.community_code,
        {{ start }}.street_code,
        {{ start }}.sex,
        case when roles.role = 'aged' then least({{ start }}.age_years + 1, 100) else {{ start }}.age_years end
),

{{ name }}_pooled as (
    select
        case when pools.pool = 'women' then 'women' else 'pass' end as role,
        {{ name }}_roles.projection_year,
        {{ name }}_roles.community_code,
        {{ name }}_roles.street_code,
        {{ name }}_roles.sex,
        {{ name }}_roles.age_years,
        case
            when pools.pool = 'women' then sum({{ name }}_roles.persons) / 2 else sum({{ name }}_roles.persons)
        end as persons
    from {{ name }}_roles
    cross join (
        select 'pass' as pool
        union all
        select 'women' as pool
    ) as pools
    where
        (pools.pool = 'pass' and {{ name }}_roles.role <> 'women')
        or (
            pools.pool = 'women'
            and (
                {{ name }}_roles.role = 'women'
                or (
                    {{ name }}_roles.role = 'aged'
                    and {{ name }}_roles.sex = 'female'
                    and {{ name }}_roles.age_years between 15 and 49
                )
            )
        )
    group by
        pools.pool,
        {{ name }}_roles.projection_year,
        {{ name }}_roles.community_code,
        {{ name }}_roles.street_code,
        {{ name }}_roles.sex,
        {{ name }}_roles.age_years
),

{{ name }} as (
    select
        {{ name }}_pooled.projection_year,
        {{ name }}_pooled.community_code,
        {{ name }}_pooled.street_code,
        case when {{ name }}_pooled.role = 'women' then births.sex else {{ name }}_pooled.sex end as sex,
        case
            when {{ name }}_pooled.role = 'women' then cast(0 as integer) else {{ name }}_pooled.age_years
        end as age_years,
        case
            when {{ name }}_pooled.role = 'women'
                then
                    sum({{ name }}_pooled.persons * fertility.fertility_rate) * max(births.share_of_births)
                    * greatest(max(births.survival_to_year_end) + coalesce(max({{ rates }}.migration_rate), 0), 0)
            else sum({{ name }}_pooled.persons)
        end as persons
    from {{ name }}_pooled
    left join {{ ref('projection_fertility') }} as fertility
        on {{ name }}_pooled.role = 'women' and {{ name }}_pooled.age_years = fertility.age_years
    left join {{ ref('projection_births') }} as births
        on {{ name }}_pooled.role = 'women'
    left join {{ rates }}
        on
            {{ name }}_pooled.role = 'women'
            and {{ name }}_pooled.community_code = {{ rates }}.community_code
            and births.sex = {{ rates }}.sex
            and {{ rates }}.age_group = 0
    where {{ name }}_pooled.role = 'pass' or fertility.age_years is not null
    group by
        {{ name }}_pooled.role,
        {{ name }}_pooled.projection_year,
        {{ name }}_pooled.community_code,
        {{ name }}_pooled.street_code,
        case when {{ name }}_pooled.role = 'women' then births.sex else {{ name }}_pooled.sex end,
        case when {{ name }}_pooled.role = 'women' then cast(0 as integer) else {{ name }}_pooled.age_years end
)
{%- endmacro %}
