"""The practices catalogue and the check engine's catalogue describe the same KINDNS."""
from kindns.checks import RESOLVER_CHECKS, ZONE_CHECKS
from kindns.practices import CATEGORIES, all_practice_ids


def test_every_check_measures_practices_that_exist():
    known = all_practice_ids()
    for catalogue in (ZONE_CHECKS, RESOLVER_CHECKS):
        for check_id, check in catalogue.items():
            assert check.practices, check_id
            assert set(check.practices) <= known, check_id


def test_each_category_is_measured_by_the_checks_of_its_kind():
    for category in CATEGORIES.values():
        measured = {c for p in category.practices for c in p.check_ids}
        catalogue = ZONE_CHECKS if category.kind == "zone" else RESOLVER_CHECKS
        assert measured and measured <= set(catalogue), category.id


def test_every_zone_check_counts_for_critical_zones():
    measured = {c for p in CATEGORIES["critical-zones"].practices for c in p.check_ids}
    assert measured == set(ZONE_CHECKS)


def test_every_practice_says_why_it_matters_and_is_found_by_its_id():
    from kindns.practices import all_practice_ids, practice, practice_title

    for practice_id in all_practice_ids():
        found = practice(practice_id)
        assert found.id == practice_id and str(found.why), practice_id
        assert practice_title(practice_id) == str(found.title)
    assert practice_title("retired-9") == "retired-9"  # an old stored id still reads
