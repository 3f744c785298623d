"""parse_filters: the one gate for directory query parameters (pages and API)."""
import pytest
from werkzeug.datastructures import MultiDict

from kindns.directory.services import PAGE_MAX, Q_MAX_LENGTH, FilterError, Filters, parse_filters


def test_no_arguments_means_no_filter_and_page_one():
    assert parse_filters(MultiDict()) == Filters(region=None, country=None, category=None, q=None, page=1)


def test_empty_values_from_a_submitted_form_mean_no_filter():
    args = MultiDict({"region": "", "country": " ", "category": "", "q": "  ", "page": ""})
    assert parse_filters(args) == Filters()


def test_codes_are_accepted_in_any_case_and_normalised():
    filters = parse_filters(MultiDict({"region": "lac", "country": "br", "category": "SLD-Zones",
                                       "q": "  nic ", "page": "3"}))
    assert filters == Filters(region="LAC", country="BR", category="sld-zones", q="nic", page=3)


@pytest.mark.parametrize(("name", "value"), [
    ("region", "XX"),
    ("region", "LATAM"),
    ("country", "ZZ"),
    ("country", "BRA"),
    ("category", "resolvers"),
    ("q", "x" * (Q_MAX_LENGTH + 1)),
    ("page", "abc"),
    ("page", "0"),
    ("page", "-1"),
    ("page", "1.5"),
    ("page", "٣"),  # an Arabic-Indic digit: str.isdigit() says yes, int() would accept it
    ("page", str(PAGE_MAX + 1)),
])
def test_bad_values_are_refused_naming_the_field(name, value):
    with pytest.raises(FilterError) as caught:
        parse_filters(MultiDict({name: value}))
    assert caught.value.field == name


def test_limits_themselves_are_accepted():
    filters = parse_filters(MultiDict({"q": "x" * Q_MAX_LENGTH, "page": str(PAGE_MAX)}))
    assert filters.page == PAGE_MAX and len(filters.q) == Q_MAX_LENGTH


def test_query_args_keep_the_filters_set_but_not_the_page():
    filters = Filters(region="LAC", q="nic", page=4)
    assert filters.query_args() == {"region": "LAC", "q": "nic"}
    assert filters.active
    assert not Filters(page=2).active
