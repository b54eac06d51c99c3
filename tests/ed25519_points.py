"""Ed25519 small-order, non-canonical, mixed-order and off-curve keys, computed here rather than trusted from a list."""

from __future__ import annotations


# Pure-Python affine Edwards arithmetic (slow, but only used a handful of times).

_P = 2**255 - 19
_D = (-121665 * pow(121666, _P - 2, _P)) % _P
_L = 2**252 + 27742317777372353535851937790883648493
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_IDENTITY = (0, 1)


def _inv(x: int) -> int:
    return pow(x, _P - 2, _P)


def _add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    (x1, y1), (x2, y2) = a, b
    t = _D * x1 * x2 * y1 * y2 % _P
    return ((x1 * y2 + y1 * x2) * _inv(1 + t) % _P, (y1 * y2 + x1 * x2) * _inv(1 - t) % _P)


def _mul(k: int, point: tuple[int, int]) -> tuple[int, int]:
    result = _IDENTITY
    while k:
        if k & 1:
            result = _add(result, point)
        point = _add(point, point)
        k >>= 1
    return result


def _x_for(y: int, sign: int) -> int | None:
    u = (y * y - 1) * _inv(_D * y * y + 1) % _P
    x = pow(u, (_P + 3) // 8, _P)
    if x * x % _P != u:
        x = x * _SQRT_M1 % _P
    if x * x % _P != u:
        return None
    return x if x & 1 == sign else (-x) % _P


def _encode(point: tuple[int, int]) -> bytes:
    x, y = point
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _order(point: tuple[int, int]) -> int | None:
    q = point
    for n in range(1, 9):
        if q == _IDENTITY:
            return n
        q = _add(q, point)
    return None


def _torsion_points() -> tuple[tuple[int, int], dict[int, list[bytes]]]:
    """The eight points of order dividing 8, by order: L * (any curve point)
    lands in the torsion subgroup; one of order 8 generates it."""
    y = 2
    while True:
        x = _x_for(y, 0)
        if x is not None:
            t8 = _mul(_L, (x, y))
            if _order(t8) == 8:
                break
        y += 1
    by_order: dict[int, list[bytes]] = {}
    for k in range(8):
        point = _mul(k, t8)
        by_order.setdefault(_order(point), []).append(_encode(point))
    return t8, by_order


_T8, TORSION = _torsion_points()
_BASE = (_x_for(4 * _inv(5) % _P, 0), 4 * _inv(5) % _P)
SMALL_ORDER_VKS = [vk for order in sorted(TORSION) for vk in TORSION[order]]
# Encodings of the same small-order points that are not canonical: y = p, y = p + 1,
# and "negative zero" x with the sign bit set.
NON_CANONICAL_VKS = [
    (_P).to_bytes(32, "little"),
    (_P + 1).to_bytes(32, "little"),
    bytes([1] + [0] * 30 + [0x80]),
    (_P - 1 | 1 << 255).to_bytes(32, "little"),
]
# A point of the full curve that is not in the prime-order subgroup
# (base point + an order-8 point): a "mixed-order" key.
MIXED_ORDER_VK = _encode(_add(_BASE, _T8))


def _not_on_curve() -> bytes:
    y = 2
    while _x_for(y, 0) is not None:
        y += 1
    return y.to_bytes(32, "little")


NOT_ON_CURVE_VK = _not_on_curve()


BAD_POINTS = SMALL_ORDER_VKS + NON_CANONICAL_VKS + [MIXED_ORDER_VK, NOT_ON_CURVE_VK]
