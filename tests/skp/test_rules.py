"""The pure rules of PermenPANRB 6/2022 (skp.rules): the predikat matrix, the "di atas" rule for
work results, the suggestions, the unit head's rating, and the distribution curve read from its
configuration, checked at and one officer past each of its percentages."""

import json
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skp.rules import (
    Breach,
    Curve,
    CurveRule,
    OrgResult,
    Predikat,
    Rating,
    check_curve,
    head_results_rating,
    load_curves,
    predikat,
    results_allowed,
    suggest_behaviour,
    suggest_results,
)

ATAS, SESUAI, BAWAH = Rating.DI_ATAS, Rating.SESUAI, Rating.DI_BAWAH
SB, B, BP, K, SK = (
    Predikat.SANGAT_BAIK,
    Predikat.BAIK,
    Predikat.BUTUH_PERBAIKAN,
    Predikat.KURANG,
    Predikat.SANGAT_KURANG,
)

# --- The predikat matrix ----------------------------------------------------------------------

# domain.md, "Ratings and the predikat": rows are the work results, columns the behaviour.
MATRIX = [
    (ATAS, BAWAH, K),
    (ATAS, SESUAI, B),
    (ATAS, ATAS, SB),
    (SESUAI, BAWAH, K),
    (SESUAI, SESUAI, B),
    (SESUAI, ATAS, B),
    (BAWAH, BAWAH, SK),
    (BAWAH, SESUAI, BP),
    (BAWAH, ATAS, BP),
]


@pytest.mark.parametrize(("results", "behaviour", "expected"), MATRIX)
def test_every_cell_of_the_matrix(results, behaviour, expected):
    assert predikat(results, behaviour) is expected
    # The stored form (the enum's value, as an Evaluation keeps it) reads the same.
    assert predikat(results.value, behaviour.value) is expected


def test_the_matrix_has_nine_cells_and_all_five_predikat():
    assert len({(r, b) for r, b, _ in MATRIX}) == 9
    assert {p for _, _, p in MATRIX} == set(Predikat)


@given(st.sampled_from(Rating))
def test_behaviour_below_expectation_caps_the_predikat_at_kurang(results):
    assert predikat(results, BAWAH) in (K, SK)


@given(st.sampled_from(Rating), st.sampled_from(Rating), st.sampled_from(Rating))
def test_a_better_rating_never_gives_a_worse_predikat(results, behaviour, better):
    order = list(Predikat)  # best first
    rank = {ATAS: 0, SESUAI: 1, BAWAH: 2}
    if rank[better] <= rank[results]:
        assert order.index(predikat(better, behaviour)) <= order.index(predikat(results, behaviour))
    if rank[better] <= rank[behaviour]:
        assert order.index(predikat(results, better)) <= order.index(predikat(results, behaviour))


def test_a_rating_that_is_none_of_the_three_is_refused():
    with pytest.raises(ValueError):
        predikat("baik", "sesuai")
    with pytest.raises(ValueError):
        predikat("di_atas", "")


def test_labels_are_the_regulations_words():
    assert ATAS.label == "di atas ekspektasi"
    assert Predikat.BUTUH_PERBAIKAN.label == "Butuh Perbaikan"
    assert OrgResult.SANGAT_KURANG.label == "Sangat Kurang"


# --- "Di atas" for the work results -------------------------------------------------------------
# Rows are (is_main, rating).


def test_di_atas_when_all_rows_are_above():
    rows = [(True, ATAS), (True, ATAS), (False, ATAS)]
    assert results_allowed(ATAS, rows)
    assert suggest_results(rows) is ATAS


def test_di_atas_when_most_rows_are_above_and_no_main_row_is_below():
    rows = [(True, ATAS), (True, ATAS), (True, SESUAI)]
    assert results_allowed(ATAS, rows)
    assert suggest_results(rows) is ATAS
    # An additional (tambahan) row below expectation does not stop it.
    rows = [(True, ATAS), (True, ATAS), (False, BAWAH)]
    assert results_allowed(ATAS, rows)
    assert suggest_results(rows) is ATAS


def test_no_di_atas_with_a_main_row_below_expectation():
    rows = [(True, ATAS), (True, ATAS), (True, ATAS), (True, BAWAH)]
    assert not results_allowed(ATAS, rows)
    # Most rows are above, so the suggestion falls back to the highest rating allowed.
    assert suggest_results(rows) is SESUAI


def test_no_di_atas_when_only_half_the_rows_are_above():
    rows = [(True, ATAS), (True, SESUAI)]
    assert not results_allowed(ATAS, rows)
    rows = [(True, ATAS), (True, ATAS), (False, SESUAI), (False, SESUAI)]
    assert not results_allowed(ATAS, rows)
    assert suggest_results(rows) is SESUAI


def test_no_di_atas_without_any_row():
    assert not results_allowed(ATAS, [])
    assert suggest_results([]) is None


def test_sesuai_and_di_bawah_are_the_appraisers_judgement():
    rows = [(True, ATAS), (True, ATAS), (True, ATAS)]
    assert results_allowed(SESUAI, rows)
    assert results_allowed(BAWAH, rows)
    assert results_allowed("sesuai", [])


def test_suggestions_follow_most_rows_and_a_tie_is_sesuai():
    assert suggest_results([(True, BAWAH), (True, BAWAH), (False, ATAS)]) is BAWAH
    assert suggest_results([(True, SESUAI), (True, BAWAH)]) is SESUAI
    assert suggest_results([(True, ATAS), (True, BAWAH), (False, SESUAI)]) is SESUAI
    assert suggest_behaviour([ATAS] * 4 + [SESUAI] * 3) is ATAS
    assert suggest_behaviour([BAWAH] * 4 + [SESUAI] * 3) is BAWAH
    assert suggest_behaviour(["di_atas", "di_bawah"]) is SESUAI
    assert suggest_behaviour([]) is None


rows_strategy = st.lists(st.tuples(st.booleans(), st.sampled_from(Rating)), max_size=12)


@given(rows_strategy)
def test_di_atas_is_allowed_exactly_when_most_rows_are_above_and_no_main_row_below(rows):
    above = sum(1 for _, rating in rows if rating is ATAS)
    main_below = any(main and rating is BAWAH for main, rating in rows)
    assert results_allowed(ATAS, rows) == (above * 2 > len(rows) and not main_below)


@given(rows_strategy)
def test_the_suggestion_is_always_a_rating_the_rule_allows(rows):
    suggested = suggest_results(rows)
    assert (suggested is None) == (not rows)
    if suggested is not None:
        assert results_allowed(suggested, rows)


# --- The unit head -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "rating"),
    [
        (OrgResult.ISTIMEWA, ATAS),
        (OrgResult.BAIK, SESUAI),
        (OrgResult.BUTUH_PERBAIKAN, BAWAH),
        (OrgResult.KURANG, BAWAH),
        (OrgResult.SANGAT_KURANG, BAWAH),
    ],
)
def test_the_unit_heads_results_rating_follows_the_units_result(result, rating):
    assert head_results_rating(result) is rating
    assert head_results_rating(result.value) is rating


def test_a_unit_result_that_is_none_of_the_five_is_refused():
    with pytest.raises(ValueError):
        head_results_rating("sangat_baik")


# --- The curves as shipped ---------------------------------------------------------------------

CURVES = load_curves()


def _rule(kind, predikat_, percent, min_count=0):
    return CurveRule(kind, tuple(predikat_), Fraction(percent), min_count)


def test_the_shipped_curves_are_the_table_of_domain_md():
    assert {result: curve.rules for result, curve in CURVES.items()} == {
        OrgResult.ISTIMEWA: (_rule("at_most", [SB], 70),),
        OrgResult.BAIK: (_rule("at_most", [B], 70), _rule("at_least", [BP, K], 0, 1)),
        OrgResult.BUTUH_PERBAIKAN: (_rule("at_least", [BP], 60), _rule("at_most", [SB], 10)),
        OrgResult.KURANG: (_rule("at_least", [K], 60), _rule("at_least", [BP], 10), _rule("at_most", [SB], 10)),
        OrgResult.SANGAT_KURANG: (
            _rule("at_least", [SK], 60),
            _rule("at_least", [K, BP], 10),
            _rule("at_most", [SB], 0),
        ),
    }
    assert all(curve.result is result for result, curve in CURVES.items())


# --- Each rule at and one officer past its percentage ---------------------------------------------

SIZES = (1, 7, 10, 13, 20)
CASES = [
    (result, index, size) for result, curve in CURVES.items() for index in range(len(curve.rules)) for size in SIZES
]


def _filler(rule: CurveRule) -> Predikat:
    """A predikat the rule does not count."""
    return next(p for p in Predikat if p not in rule.predikat)


def _counts(rule: CurveRule, counted: int, size: int) -> dict:
    counts = dict.fromkeys(Predikat, 0)
    counts[rule.predikat[-1]] = counted
    counts[_filler(rule)] += size - counted
    return counts


def _broken(curve: Curve, counts: dict) -> list[CurveRule]:
    return [breach.rule for breach in check_curve(curve, counts)]


@pytest.mark.parametrize(("result", "index", "size"), CASES)
def test_each_rule_at_its_percentage_holds_and_one_officer_past_it_breaks(result, index, size):
    curve = CURVES[result]
    rule = curve.rules[index]
    share = rule.percent * size / 100  # the percentage, in officers (not always whole)
    if rule.kind == "at_most":
        # The most officers the rule allows: the whole number at or below the percentage.
        at = int(share)
        assert Fraction(at * 100, size) <= rule.percent < Fraction((at + 1) * 100, size)
        assert rule not in _broken(curve, _counts(rule, at, size))
        if at + 1 <= size:
            past = _counts(rule, at + 1, size)
            breaches = [b for b in check_curve(curve, past) if b.rule == rule]
            assert breaches == [Breach(rule, at + 1, size)]
            assert breaches[0].bound == at
    else:
        # The fewest officers the rule needs: the whole number at or above the percentage, and
        # never fewer than its minimum count.
        at = max(-(-rule.percent * size // 100), rule.min_count)
        assert Fraction(at * 100, size) >= rule.percent
        if at > size:  # a unit too small to hold it: every set breaks it
            assert rule in _broken(curve, _counts(rule, size, size))
            return
        assert rule not in _broken(curve, _counts(rule, at, size))
        if at >= 1:
            past = _counts(rule, at - 1, size)
            breaches = [b for b in check_curve(curve, past) if b.rule == rule]
            assert breaches == [Breach(rule, at - 1, size)]
            assert breaches[0].bound == at


def test_each_rule_counts_every_predikat_it_names():
    """ "At least 10 % Kurang or Butuh Perbaikan": either of them counts towards it."""
    curve = CURVES[OrgResult.SANGAT_KURANG]
    rule = curve.rules[1]
    # 10 officers: 6 Sangat Kurang, 1 Kurang: the "at least 10 %" holds through Kurang...
    assert rule not in _broken(curve, {SK: 9, K: 1})
    # ...and through Butuh Perbaikan.
    assert rule not in _broken(curve, {SK: 9, BP: 1})
    assert rule in _broken(curve, {SK: 10})


# --- Whole units, as the distribution page shows them --------------------------------------------


def test_baik_at_most_seventy_percent_baik():
    curve = CURVES[OrgResult.BAIK]
    assert check_curve(curve, {B: 7, SB: 2, BP: 1}) == []
    assert check_curve(curve, {B: 8, SB: 1, BP: 1}) == [Breach(curve.rules[0], 8, 10)]


def test_baik_at_least_one_butuh_perbaikan_or_kurang():
    curve = CURVES[OrgResult.BAIK]
    rule = curve.rules[1]
    assert check_curve(curve, {SB: 3, B: 7}) == [Breach(rule, 0, 10)]
    assert Breach(rule, 0, 10).bound == 1
    assert check_curve(curve, {SB: 3, B: 6, K: 1}) == []
    assert check_curve(curve, {SB: 3, B: 6, BP: 1}) == []
    # One officer past it in a large unit as in a small one: the minimum is one, not a share.
    assert check_curve(curve, {SB: 40, B: 59, BP: 1}) == []
    assert check_curve(curve, {SB: 1}) == [Breach(rule, 0, 1)]
    # Sangat Kurang does not count towards it.
    assert check_curve(curve, {SB: 3, B: 6, SK: 1}) == [Breach(rule, 0, 10)]


def test_istimewa_at_most_seventy_percent_sangat_baik():
    curve = CURVES[OrgResult.ISTIMEWA]
    assert check_curve(curve, {SB: 7, B: 3}) == []
    assert check_curve(curve, {SB: 8, B: 2}) == [Breach(curve.rules[0], 8, 10)]
    # 7 officers: 70 % is 4.9, so 4 may be Sangat Baik, not 5 (71 %).
    assert check_curve(curve, {SB: 4, B: 3}) == []
    assert check_curve(curve, {SB: 5, B: 2}) == [Breach(curve.rules[0], 5, 7)]


def test_butuh_perbaikan_curve():
    curve = CURVES[OrgResult.BUTUH_PERBAIKAN]
    assert check_curve(curve, {BP: 6, B: 3, SB: 1}) == []
    assert check_curve(curve, {BP: 5, B: 3, SB: 2}) == [Breach(curve.rules[0], 5, 10), Breach(curve.rules[1], 2, 10)]
    # 13 officers: at least 7.8 -> 8 Butuh Perbaikan; at most 1.3 -> 1 Sangat Baik.
    assert check_curve(curve, {BP: 8, B: 4, SB: 1}) == []
    assert check_curve(curve, {BP: 7, B: 5, SB: 1}) == [Breach(curve.rules[0], 7, 13)]


def test_kurang_curve():
    curve = CURVES[OrgResult.KURANG]
    assert check_curve(curve, {K: 6, BP: 1, B: 2, SB: 1}) == []
    assert check_curve(curve, {K: 6, B: 4}) == [Breach(curve.rules[1], 0, 10)]


def test_sangat_kurang_curve_allows_no_sangat_baik():
    curve = CURVES[OrgResult.SANGAT_KURANG]
    assert check_curve(curve, {SK: 6, K: 1, B: 3}) == []
    assert check_curve(curve, {SK: 6, K: 1, B: 2, SB: 1}) == [Breach(curve.rules[2], 1, 10)]
    assert Breach(curve.rules[2], 1, 10).bound == 0


def test_no_officer_rated_breaks_nothing():
    for curve in CURVES.values():
        assert check_curve(curve, {}) == []
        assert check_curve(curve, dict.fromkeys(Predikat, 0)) == []


def test_counts_may_be_keyed_by_the_stored_value():
    curve = CURVES[OrgResult.BAIK]
    assert check_curve(curve, {"baik": 8, "sangat_baik": 1, "kurang": 1}) == [Breach(curve.rules[0], 8, 10)]


@given(
    st.sampled_from(list(OrgResult)),
    st.dictionaries(st.sampled_from(Predikat), st.integers(min_value=0, max_value=60)),
)
def test_a_rule_breaks_exactly_when_its_share_is_past_its_percentage(result, counts):
    curve = CURVES[result]
    total = sum(counts.values())
    broken = {breach.rule: breach for breach in check_curve(curve, counts)}
    for rule in curve.rules:
        count = sum(counts.get(p, 0) for p in rule.predikat)
        if total == 0:
            expected = False
        elif rule.kind == "at_most":
            expected = count * 100 > rule.percent * total
        else:
            expected = count * 100 < rule.percent * total or count < rule.min_count
        assert (rule in broken) == expected, (rule, count, total)
        if expected:
            assert (broken[rule].count, broken[rule].total) == (count, total)


# --- Reading a curves file ---------------------------------------------------------------------


def _write(tmp_path, data) -> str:
    path = tmp_path / "curves.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def _shipped() -> dict:
    from skp.rules import DEFAULT_CURVES

    return json.loads(DEFAULT_CURVES.read_text(encoding="utf-8"))


def test_another_curves_file_is_read(tmp_path):
    data = _shipped()
    data["curves"]["istimewa"] = [{"kind": "at_most", "predikat": ["sangat_baik"], "percent": 50}]
    curves = load_curves(_write(tmp_path, data))
    assert curves[OrgResult.ISTIMEWA].rules == (_rule("at_most", [SB], 50),)
    assert check_curve(curves[OrgResult.ISTIMEWA], {SB: 6, B: 4}) == [
        Breach(curves[OrgResult.ISTIMEWA].rules[0], 6, 10)
    ]
    # A fraction of a percent is read exactly.
    data["curves"]["istimewa"][0]["percent"] = 66.5
    assert load_curves(_write(tmp_path, data))[OrgResult.ISTIMEWA].rules[0].percent == Fraction(133, 2)


def _broken_files():
    def change(edit):
        data = _shipped()
        edit(data)
        return data

    return {
        "not json": "{curves: ",
        "no curves": {"source": "x"},
        "a result missing": change(lambda d: d["curves"].pop("kurang")),
        "an unknown result": change(lambda d: d["curves"].update(luar_biasa=[])),
        "an unknown kind": change(lambda d: d["curves"]["baik"][0].update(kind="about")),
        "an unknown predikat": change(lambda d: d["curves"]["baik"][0].update(predikat=["istimewa"])),
        "predikat as one string": change(lambda d: d["curves"]["baik"][0].update(predikat="baik")),
        "no predikat": change(lambda d: d["curves"]["baik"][0].update(predikat=[])),
        "predikat missing": change(lambda d: d["curves"]["baik"][0].pop("predikat")),
        "kind missing": change(lambda d: d["curves"]["baik"][0].pop("kind")),
        "a percent over 100": change(lambda d: d["curves"]["baik"][0].update(percent=170)),
        "a negative percent": change(lambda d: d["curves"]["baik"][0].update(percent=-10)),
        "a percent as words": change(lambda d: d["curves"]["baik"][0].update(percent="seventy")),
        "a negative minimum": change(lambda d: d["curves"]["baik"][1].update(min_count=-1)),
        "a fractional minimum": change(lambda d: d["curves"]["baik"][1].update(min_count=1.5)),
        "rules not a list": change(lambda d: d["curves"].update(baik={"kind": "at_most"})),
        "a rule not an object": change(lambda d: d["curves"].update(baik=["at_most 70 baik"])),
        "curves not an object": {"curves": ["istimewa"]},
    }


@pytest.mark.parametrize("name", list(_broken_files()))
def test_a_bad_curves_file_is_refused(tmp_path, name):
    with pytest.raises(ValueError):
        load_curves(_write(tmp_path, _broken_files()[name]))


def test_a_missing_curves_file_is_refused(tmp_path):
    with pytest.raises(OSError):
        load_curves(str(tmp_path / "nowhere.json"))
