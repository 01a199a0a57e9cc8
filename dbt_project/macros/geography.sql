{#- Codes nest (FEEDS.md): a grid, building or room code starts with its
    12-digit community code, whose first 9 digits are the street's; the
    12-digit street code pads them with 000. Dashboards filter on these
    columns (Superset row-level security), so every mart they read carries
    street_code and community_code. Null in, null out. -#}
{% macro street_code_of(code) -%}
    {{ dbt.concat(['substr(' ~ code ~ ', 1, 9)', "'000'"]) }}
{%- endmacro %}

{% macro community_code_of(code) -%}
    substr({{ code }}, 1, 12)
{%- endmacro %}
