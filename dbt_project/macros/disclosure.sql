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
    {%- do adapter.create_schema(api.Relation.create(database=target.database, schema='internal')) -%}
    {%- do run_query('drop table if exists internal.disclosure_rules') -%}
    {%- do run_query('create table internal.disclosure_rules as '
        ~ (rows | join(' union all ') if rows
           else "select cast(null as varchar(64)) as table_name, cast(null as varchar(4000)) as rule where 1 = 0")) -%}
{% endmacro %}
