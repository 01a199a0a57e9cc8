{#- Exact schema names (staging, intermediate, marts, reference): the default
    would prefix the target schema ("main_staging"), and the serving copy and
    access rules are written against the exact names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
