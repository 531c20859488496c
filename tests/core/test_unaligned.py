"""mbench.unaligned: eight bytes at any offset, read and written as one word."""

import numba as nb
import numpy as np
import pytest

from mbench.unaligned import REPEAT, load_u64, store_u64


@nb.njit
def _load(a, i):
    return load_u64(a, np.uint64(i))


@nb.njit
def _store(a, i, v):
    store_u64(a, np.uint64(i), np.uint64(v))


@pytest.mark.parametrize("offset", range(9))
def test_words_at_every_offset(offset):
    a = np.arange(32, dtype=np.uint8)
    assert _load(a, offset) == int.from_bytes(a[offset:offset + 8].tobytes(), "little" if
                                               np.little_endian else "big")
    _store(a, offset, 7 * REPEAT)
    expected = np.arange(32, dtype=np.uint8)
    expected[offset:offset + 8] = 7
    np.testing.assert_array_equal(a, expected)  # the eight bytes, and no byte around them


def test_only_bytes_in_order_are_accepted():
    with pytest.raises(nb.core.errors.TypingError):
        _load(np.zeros(4, np.uint16), 0)  # another dtype
    with pytest.raises(nb.core.errors.TypingError):
        _load(np.zeros(32, np.uint8)[::2], 0)  # not contiguous
    readonly = np.zeros(16, np.uint8)
    readonly.flags.writeable = False
    assert _load(readonly, 0) == 0
    with pytest.raises(nb.core.errors.TypingError):
        _store(readonly, 0, 1)  # read-only
