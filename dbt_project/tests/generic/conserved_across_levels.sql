{#- Conservation (issue 12): for every partition (e.g. month), each measure
    sums to the same total at every level - district = Σ streets =
    Σ communities = Σ grids - and every level is present. A row returned is
    a partition where some level lost or double-counted something.
    `tolerance`: for measures that are not counts (projected persons, doubles
    summed in another order), the largest difference accepted; exact by default. -#}
{% test conserved_across_levels(model, level_column, levels, measures, partition_by=[], tolerance=none) %}
with

sums as (
    select
        {% for column in partition_by %}{{ column }}, {% endfor %}
        {{ level_column }} as unit_level,
        {% for measure in measures %}
            sum({{ measure }}) as {{ measure }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from {{ model }}
    where {{ level_column }} in ({% for level in levels %}'{{ level }}'{% if not loop.last %}, {% endif %}{% endfor %})
    group by {% for column in partition_by %}{{ column }}, {% endfor %}{{ level_column }}
),

compared as (
    select
        {% for column in partition_by %}{{ column }}, {% endfor %}
        count(*) as levels_present,
        {% for measure in measures %}
            min({{ measure }}) as min_{{ measure }},
            max({{ measure }}) as max_{{ measure }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from sums
    {% if partition_by %}group by {{ partition_by | join(', ') }}{% endif %}
)

select * from compared
where
    levels_present <> {{ levels | length }}
    {% for measure in measures %}
        {% if tolerance is none %}
        or min_{{ measure }} <> max_{{ measure }}
        {% else %}
        or max_{{ measure }} - min_{{ measure }} > {{ tolerance }}
        {% endif %}
    {% endfor %}
{% endtest %}
