from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.money import allocate

totals = st.integers(min_value=0, max_value=10**15)
weight_lists = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=8).filter(
    lambda weights: sum(weights) > 0
)


def test_leftover_units_go_to_the_largest_remainders() -> None:
    # Exact shares 4.29, 4.29, 1.43: the one leftover unit goes to the last part.
    assert allocate(10, [3, 3, 1]) == [4, 4, 2]


def test_ties_go_to_the_lower_index_first() -> None:
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(1, [1, 1]) == [1, 0]


def test_exact_shares_need_no_rounding() -> None:
    assert allocate(1000, [1, 2, 3, 4]) == [100, 200, 300, 400]


def test_zero_weight_gets_nothing() -> None:
    assert allocate(7, [0, 1, 0, 1]) == [0, 4, 0, 3]


def test_negative_total_mirrors_the_positive_one() -> None:
    assert allocate(-10, [3, 3, 1]) == [-4, -4, -2]


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1], [-1, 2]])
def test_refuses_weights_without_a_positive_sum_or_with_negatives(weights: list[int]) -> None:
    with pytest.raises(ValueError):
        allocate(100, weights)


def test_refuses_float_amounts() -> None:
    with pytest.raises(TypeError):
        allocate(10.0, [1, 1])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        allocate(10, [0.5, 0.5])  # type: ignore[list-item]


@given(totals, weight_lists)
def test_parts_are_non_negative_and_sum_to_the_total(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert len(parts) == len(weights)
    assert all(part >= 0 for part in parts)
    assert sum(parts) == total


@given(totals, weight_lists)
def test_each_part_is_within_one_unit_of_its_exact_share(total: int, weights: list[int]) -> None:
    weight_sum = sum(weights)
    for part, weight in zip(allocate(total, weights), weights, strict=True):
        assert abs(part - Fraction(total * weight, weight_sum)) < 1


@given(totals, weight_lists)
def test_same_input_gives_the_same_parts(total: int, weights: list[int]) -> None:
    assert allocate(total, weights) == allocate(total, list(weights))


@given(totals, weight_lists)
def test_a_reversal_mirrors_the_charge(total: int, weights: list[int]) -> None:
    assert allocate(-total, weights) == [-part for part in allocate(total, weights)]
