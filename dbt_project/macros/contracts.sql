{#- Contracts (models/marts/**.yml data_type) are written in DuckDB's type
    names. dbt checks them by casting NULL to each declared type: on Spark
    the names without a Spark equal are read as the type Spark gives the same
    expression: varchar -> string (Spark's varchar needs a length), hugeint
    (DuckDB's sum of bigints) -> bigint. -#}
{% macro spark_type_name(data_type) -%}
    {%- set name = data_type | trim | lower -%}
    {%- set spark_names = {'varchar': 'string', 'text': 'string', 'hugeint': 'bigint'} -%}
    {{- return(spark_names.get(name, data_type)) -}}
{%- endmacro %}

{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set translated = {} -%}
    {%- for name in columns -%}
        {%- set column = {} -%}
        {%- do column.update(columns[name]) -%}
        {%- if column.get('data_type') is not none -%}
            {%- do column.update({'data_type': spark_type_name(column['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: column}) -%}
    {%- endfor -%}
    {{- return(default__get_empty_schema_sql(translated)) -}}
{%- endmacro %}
