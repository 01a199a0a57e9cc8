{#- Engine differences (docs/STACK.md): everything not on the "safe on both" list
    goes through adapter.dispatch so the project also builds on dbt-spark. -#}

{#- true when a string array contains a value -#}
{% macro array_has(array_expr, value_expr) -%}
    {{- return(adapter.dispatch('array_has', 'zhiwang')(array_expr, value_expr)) -}}
{%- endmacro %}
{% macro default__array_has(array_expr, value_expr) -%}
    coalesce(list_contains({{ array_expr }}, {{ value_expr }}), false)
{%- endmacro %}
{% macro spark__array_has(array_expr, value_expr) -%}
    coalesce(array_contains({{ array_expr }}, {{ value_expr }}), false)
{%- endmacro %}

{#- elapsed hours between two timestamps, fractional -#}
{% macro hours_between(start_ts, end_ts) -%}
    {{- return(adapter.dispatch('hours_between', 'zhiwang')(start_ts, end_ts)) -}}
{%- endmacro %}
{% macro default__hours_between(start_ts, end_ts) -%}
    (epoch({{ end_ts }}) - epoch({{ start_ts }})) / 3600.0
{%- endmacro %}
{% macro spark__hours_between(start_ts, end_ts) -%}
    cast(unix_timestamp({{ end_ts }}) - unix_timestamp({{ start_ts }}) as double) / 3600
{%- endmacro %}

{#- age in whole years on a date -#}
{% macro age_years(birth_date, on_date) -%}
    {{- return(adapter.dispatch('age_years', 'zhiwang')(birth_date, on_date)) -}}
{%- endmacro %}
{% macro default__age_years(birth_date, on_date) -%}
    (
        date_diff('year', {{ birth_date }}, {{ on_date }})
        - case
            when month({{ on_date }}) * 100 + day({{ on_date }})
                < month({{ birth_date }}) * 100 + day({{ birth_date }}) then 1
            else 0
        end
    )
{%- endmacro %}
{% macro spark__age_years(birth_date, on_date) -%}
    cast(floor(months_between({{ on_date }}, {{ birth_date }}) / 12) as int)
{%- endmacro %}

{#- ISO day of the week, Monday 1 .. Sunday 7 -#}
{% macro iso_weekday(date_expr) -%}
    {{- return(adapter.dispatch('iso_weekday', 'zhiwang')(date_expr)) -}}
{%- endmacro %}
{% macro default__iso_weekday(date_expr) -%}
    extract(isodow from {{ date_expr }})
{%- endmacro %}
{% macro spark__iso_weekday(date_expr) -%}
    extract(dayofweek_iso from {{ date_expr }})
{%- endmacro %}

{#- dbt.dateadd on Spark. dbt-spark's own twin goes through
    to_timestamp(<epoch seconds>), which Spark parses as a string: NULL for
    the naive (TIMESTAMP_NTZ) times this project holds. timestampadd keeps
    the type and, like DuckDB's date + interval, makes a date a timestamp. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, cast({{ from_date_or_timestamp }} as timestamp))
{%- endmacro %}

{#- distance in metres between two WGS-84 points, equirectangular
    approximation (error far below a metre at the 100 m scale it serves;
    built from radians/cos/sqrt/power, identical on DuckDB and Spark) -#}
{% macro distance_m(lon_a, lat_a, lon_b, lat_b) -%}
    (cast(6371008.8 as double) * sqrt(
        power(radians({{ lon_b }} - {{ lon_a }}) * cos(radians(({{ lat_a }} + {{ lat_b }}) / 2)), 2)
        + power(radians({{ lat_b }} - {{ lat_a }}), 2)
    ))
{%- endmacro %}
