{#- on-run-end: every model's `disclosure:` meta (which columns count persons,
    which rows add up) as rows of internal.disclosure_rules, read by publish
    (orchestration/disclosure.py) to suppress small counts in the serving
    copy. Written from the whole graph, whatever the run selected. -#}
{% macro record_disclosure_rules() %}
    {%- if not execute or flags.WHICH not in ('build', 'run') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set rows = [] -%}
    {%- for node in graph.nodes.values() | sort(attribute='unique_id') -%}
        {%- set rule = node.resource_type == 'model' and node.config.meta.get('disclosure') -%}
        {%- if rule -%}
            {%- do rows.append("select '" ~ (node.alias or node.name) ~ "' as table_name, '"
                ~ (tojson(rule) | replace("'", "''")) ~ "' as rule") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do adapter.create_schema(api.Relation.create(database=warehouse_database(), schema='internal')) -%}
    {%- do run_query('drop table if exists internal.disclosure_rules') -%}
    {%- do run_query('create table internal.disclosure_rules as '
        ~ (rows | join(' union all ') if rows
           else "select cast(null as varchar(64)) as table_name, cast(null as varchar(4000)) as rule where 1 = 0")) -%}
{% endmacro %}

{#- on-run-end: a warehouse built before a model moved to `internal` still
    holds its old table in `marts`, which publish copies: exact
    quasi-identifiers would be served. Drop every `marts` relation whose name
    is a model now built in `internal`, unless a `marts` model builds that
    name (marts.dim_person is dim_person_public). Written from the whole graph,
    whatever the run selected. -#}
{% macro drop_moved_to_internal() %}
    {%- if not execute or flags.WHICH not in ('build', 'run') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set published = [] -%}
    {%- set internal = [] -%}
    {%- for node in graph.nodes.values() | sort(attribute='unique_id') -%}
        {%- if node.resource_type == 'model' and node.schema == 'marts' -%}
            {%- do published.append(node.alias or node.name) -%}
        {%- elif node.resource_type == 'model' and node.schema == 'internal' -%}
            {%- do internal.append(node.alias or node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in internal if name not in published -%}
        {%- set stale = adapter.get_relation(warehouse_database(), 'marts', name) -%}
        {%- if stale is not none -%}
            {{ log("dropping " ~ stale ~ ": the model is built in schema internal now (docs/PRIVACY.md)", info=true) }}
            {%- do adapter.drop_relation(stale) -%}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}

{#- The database relations of the hooks live in: the target's on DuckDB; none on
    Spark, whose relations have a schema and no database (dbt-spark). -#}
{% macro warehouse_database() -%}
    {%- if target.type == 'spark' -%}
        {{- return(none) -}}
    {%- endif -%}
    {{- return(target.database) -}}
{%- endmacro %}

{#- The first year of the ``years``-wide birth-year band of ``birth_date`` (the
    published birth quasi-identifier; int_disclosure_cells and dim_person_public
    join a person to their cell on it, so both read this one definition). -#}
{% macro disclosure_birth_band(birth_date, years) -%}
    cast(floor(year({{ birth_date }}) / {{ years }}) * {{ years }} as integer)
{%- endmacro %}

{#- ``person`` (a row of dim_person) falls in ``cell`` (a row of
    int_disclosure_cells): equal on the five level-0 values, null a value of its
    own. One definition for dim_person_public's joins. -#}
{% macro person_in_cell(person, cell) -%}
    {{ person }}.residence_community_code is not distinct from {{ cell }}.residence_community_code
    and {{ person }}.residence_grid_code is not distinct from {{ cell }}.residence_grid_code
    and {{ person }}.sex is not distinct from {{ cell }}.sex
    and {{ disclosure_birth_band(person ~ '.birth_date', 5) }} is not distinct from {{ cell }}.birth_band_5
    and {{ person }}.is_hukou is not distinct from {{ cell }}.is_hukou
{%- endmacro %}

{#- Post-hook of int_disclosure_cells: its runs write the cells whose level is
    new or changed, and a cell no person falls in any more (everyone moved, aged
    into the next band or changed) with no level; such a cell is deleted here,
    so the model holds exactly the cells a full refresh builds. -#}
{% macro drop_cells_without_persons() -%}
    {%- if not execute -%}
        {{- return('') -}}
    {%- endif -%}
    {{- return(adapter.dispatch('drop_cells_without_persons', 'zhiwang')()) -}}
{%- endmacro %}
{% macro default__drop_cells_without_persons() -%}
    delete from {{ this }} where disclosure_level is null
{%- endmacro %}
{#- Spark cannot delete from a Parquet table, nor overwrite one its query reads:
    the cells that keep a level are staged, then the table is overwritten from
    the stage (as macros/spark_incremental.sql does) -#}
{% macro spark__drop_cells_without_persons() -%}
    {%- set kept = spark_incremental_staging(this, 'kept') -%}
    {%- do spark_stage(kept, 'select * from ' ~ this ~ ' where disclosure_level is not null') -%}
    insert overwrite table {{ this }} select * from {{ kept }}
{%- endmacro %}
