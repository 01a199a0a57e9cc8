{#- Keyed pseudonym for personal data (citizen IDs, names, phones).

    Wanted: HMAC-SHA256(key, value). Neither DuckDB nor Spark SQL has an hmac
    function, and a true HMAC needs byte-wise XOR of the padded key, which is
    not portable SQL. We use the nested keyed hash
        sha256(key || '|' || sha256(key || '|' || value))
    which, like HMAC, is not open to length extension (the outer hash covers a
    fixed-length inner digest) and cannot be reversed or recomputed without
    the key. tests/dbt/pseudonym.py computes the same value in Python,
    so tests and tools can join on it.

    The key comes from ZHIWANG_PSEUDONYM_KEY. Caveat: it is inlined into the
    compiled SQL under dbt_project/target/ (git-ignored); protect that folder
    like the key itself. Values are trimmed and upper-cased first so that an
    ID with a lower-case check letter 'x' gets the same pseudonym. -#}
{% macro pseudonym_key() -%}
    {{- return(env_var('ZHIWANG_PSEUDONYM_KEY', 'zhiwang-dev-only-change-me') | replace("'", "''")) -}}
{%- endmacro %}

{% macro pseudonym(expr) -%}
    {{- return(adapter.dispatch('pseudonym', 'zhiwang')(expr)) -}}
{%- endmacro %}

{% macro default__pseudonym(expr) -%}
    case
        when nullif(trim({{ expr }}), '') is not null
            then sha256(
                '{{ pseudonym_key() }}|'
                || sha256('{{ pseudonym_key() }}|' || upper(trim({{ expr }})))
            )
    end
{%- endmacro %}

{% macro spark__pseudonym(expr) -%}
    case
        when nullif(trim({{ expr }}), '') is not null
            then sha2(
                concat('{{ pseudonym_key() }}|',
                    sha2(concat('{{ pseudonym_key() }}|', upper(trim({{ expr }}))), 256)),
                256
            )
    end
{%- endmacro %}

{#- The plain value a pseudonym is computed from (trimmed, upper-cased, empty
    as null): two values with equal subjects get equal pseudonyms. Models
    group and filter on it in staging and pseudonymise only the rows they
    keep, since the nested hash is the costly part of a build. -#}
{% macro pseudonym_subject(expr) -%}
    nullif(upper(trim({{ expr }})), '')
{%- endmacro %}
