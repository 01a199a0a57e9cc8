{#- Conservation for fact rows (issue 12): every row sits on one grid, one
    community and one street that nest (an unknown level is the unlocated
    member, never null), so a count over the rows is the same at every
    level. Optional ``where`` limits the rows (e.g. managed persons only). -#}
{% test nests_in_geography(model, grid_column, community_column, street_column, where_sql=none) %}
select *
from {{ model }}
where
    {% if where_sql %}({{ where_sql }}) and ({% endif %}
    {{ community_column }} is null
    or {{ street_column }} is null
    or {{ street_column }} <> {{ street_code_of(community_column) }}
    {% if grid_column %}
        or {{ grid_column }} is null
        or {{ community_column }} <> {{ community_code_of(grid_column) }}
        or {{ grid_column }} not in (select grid_code from {{ ref('dim_grid') }})
    {% else %}
        or {{ community_column }} not in (select community_code from {{ ref('dim_community') }})
    {% endif %}
    {% if where_sql %}){% endif %}
{% endtest %}
