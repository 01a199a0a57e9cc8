{#- Indicator formulas of rpt_plan_indicators (unit-tested there). -#}

{#- numerator per `per` of the denominator; null without a denominator -#}
{% macro plan_rate(numerator, denominator, per) -%}
    round({{ per }} * cast({{ numerator }} as double) / nullif({{ denominator }}, 0), 4)
{%- endmacro %}

{#- null when not measured; otherwise the comparison the plan states -#}
{% macro plan_target_met(value, comparator, target) -%}
    case
        when {{ value }} is null then null
        when {{ comparator }} = '>=' then {{ value }} >= {{ target }}
        when {{ comparator }} = '>' then {{ value }} > {{ target }}
        when {{ comparator }} = '<=' then {{ value }} <= {{ target }}
        when {{ comparator }} = '<' then {{ value }} < {{ target }}
        when {{ comparator }} = '=' then {{ value }} = {{ target }}
    end
{%- endmacro %}
