{#- A column denormalised from a parent: each row's key (column_name) is a key
    of ``to`` (``field``), and each of ``columns`` equals the parent's value
    of the same name (null = null). dbt's relationships test plus the copied
    values, in one join - fct_residence_spells carries dim_person's sex, birth
    date and hukou so that the spell-counting marts need no person join, and
    this keeps the copy honest. A row returned is a child whose parent is
    missing or differs. -#}
{% test carries_parent_columns(model, column_name, to, field, columns) %}
select
    child.{{ column_name }},
    parent.{{ field }} is null as parent_missing
from {{ model }} as child
left join {{ to }} as parent
    on child.{{ column_name }} = parent.{{ field }}
where
    child.{{ column_name }} is not null
    and (
        parent.{{ field }} is null
        {%- for column in columns %}
        or not (child.{{ column }} is not distinct from parent.{{ column }})
        {%- endfor %}
    )
{% endtest %}
