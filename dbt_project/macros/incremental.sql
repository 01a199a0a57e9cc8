{#- The incremental strategy of the large facts. On DuckDB delete+insert on
    the model's unique key replaces exactly the rows a delivery touches. Spark
    has no delete+insert without Delta/Iceberg (STACK.md): there the models
    must move to microbatch; until then they fall back to full rebuilds. -#}
{% macro large_fact_strategy() -%}
    {{- return(adapter.dispatch('large_fact_strategy', 'zhiwang')()) -}}
{%- endmacro %}
{% macro default__large_fact_strategy() -%}
    {{- return('delete+insert') -}}
{%- endmacro %}
{% macro spark__large_fact_strategy() -%}
    {{- return('insert_overwrite') -}}
{%- endmacro %}
