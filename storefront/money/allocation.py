"""Split an amount of minor units into parts that add up to it exactly."""

from collections.abc import Sequence


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Share ``total`` minor units by ``weights`` with the largest-remainder method.

    Each part gets the floor of its exact share; the units left over go one each to
    the parts with the largest remainders, the lower index first on a tie, so the
    parts always sum to ``total`` and the same input always gives the same split.
    A negative total mirrors the positive one, so a reversal undoes a charge exactly.
    """
    if isinstance(total, bool) or not isinstance(total, int):
        raise TypeError(f"total must be an int of minor units, got {type(total).__name__}")
    for weight in weights:
        if isinstance(weight, bool) or not isinstance(weight, int):
            raise TypeError(f"weights must be ints, got {type(weight).__name__}")
        if weight < 0:
            raise ValueError(f"weights must not be negative, got {weight}")
    weight_sum = sum(weights)
    if weight_sum <= 0:
        raise ValueError("weights must have a positive sum")

    if total < 0:
        return [-part for part in allocate(-total, weights)]

    shares = [divmod(total * weight, weight_sum) for weight in weights]
    parts = [whole for whole, _ in shares]
    leftover = total - sum(parts)
    # Every remainder is below weight_sum and they add up to leftover * weight_sum,
    # so more parts have a remainder than there are units left: zero weights get none.
    by_remainder = sorted(range(len(parts)), key=lambda index: (-shares[index][1], index))
    for index in by_remainder[:leftover]:
        parts[index] += 1
    return parts
