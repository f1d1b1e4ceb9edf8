"""The renderer that runs Metabase native-query templates outside Metabase."""

from datetime import date

import psycopg
import pytest

from metabase.native_query import TemplateError, render, required_tags, template_tags

SQL = """select * from t
where true
    [[and feature = {{feature}}]]
    [[and environment = {{ environment }}]]
    and day >= coalesce([[{{date_from}},]] current_date)"""


def test_unset_optional_clauses_are_removed_whole():
    query, params = render(SQL, {})
    assert "feature" not in query and "environment" not in query
    assert "coalesce( current_date)" in query
    assert params == {}


def test_set_tags_become_bound_parameters_and_brackets_go():
    query, params = render(SQL, {"feature": "search", "date_from": date(2026, 5, 1)})
    assert "and feature = %(feature)s" in query
    assert "coalesce(%(date_from)s, current_date)" in query
    assert "environment" not in query
    assert "[[" not in query and "]]" not in query and "{{" not in query
    assert params == {"feature": "search", "date_from": date(2026, 5, 1)}


def test_blank_and_none_count_as_unset():
    query, params = render(SQL, {"feature": "  ", "environment": None})
    assert "feature" not in query and "environment" not in query and params == {}


def test_clause_with_two_tags_needs_both():
    sql = "select 1 where true [[and a = {{a}} and b = {{b}}]]"
    assert render(sql, {"a": 1})[0].strip().endswith("where true")
    assert "a = %(a)s and b = %(b)s" in render(sql, {"a": 1, "b": 2})[0]


def test_required_tag_without_value_is_an_error():
    with pytest.raises(TemplateError, match="required tag.*feature"):
        render("select 1 where feature = {{feature}}", {})
    assert required_tags("select {{a}} [[and {{b}}]]") == ["a"]
    assert template_tags("select {{a}} [[and {{b}}]] {{a}}") == ["a", "b"]


@pytest.mark.parametrize("bad", ["select [[and {{a}}", "select and {{a}}]]", "[[ [[{{a}}]] ]]", "[[and 1]]"])
def test_malformed_templates_fail_loudly(bad):
    with pytest.raises(TemplateError):
        render(bad, {"a": 1})


def test_values_are_bound_not_spliced(warehouse_url):
    # A hostile value stays a value: the table survives and the comparison simply finds nothing.
    hostile = "x'; drop table victims; --"
    with psycopg.connect(warehouse_url) as conn:
        conn.execute("create table victims (name text)")
        conn.execute("insert into victims values ('search'), ('100% sure')")
        query, params = render(
            "select name from victims where name not like '%%z' [[and name = {{name}}]] order by name",
            {"name": hostile},
        )
        assert conn.execute(query, params).fetchall() == []
        # Literal percent signs survive, with and without bound parameters.
        query, params = render("select name from victims where name like '100%' [[and name = {{name}}]]", {})
        assert conn.execute(query, params).fetchall() == [("100% sure",)]
        query, params = render("select name from victims where name like '100%' [[and name = {{name}}]]",
                               {"name": "100% sure"})
        assert conn.execute(query, params).fetchall() == [("100% sure",)]
        assert conn.execute("select count(*) from victims").fetchone() == (2,)
