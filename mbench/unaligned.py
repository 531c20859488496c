"""Eight bytes at any offset of a uint8 array, as one machine word, for numba loops.

numba indexes arrays element by element; loading or storing 8 neighbouring bytes at once (at an
offset that need not be a multiple of 8) lets a loop test a whole word for a common case, such
as eight zero bytes, in one comparison. Words are in the machine's byte order: use them for
tests of equality and for repeated bytes, where order does not matter. Indices are never checked,
not even under ``NUMBA_BOUNDSCHECK=1``: the caller keeps all eight bytes inside the array.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

REPEAT = 0x0101010101010101  # a byte times this: the byte in all eight places


def _bytes(arr, writable: bool = False) -> bool:
    """Whether ``arr`` is typed as a C-contiguous uint8 array (writable where asked)."""
    return (isinstance(arr, types.Array) and arr.dtype == types.uint8 and arr.layout == "C"
            and (arr.mutable or not writable))


@intrinsic
def load_u64(typingctx, arr, index):
    """The 8 bytes of ``arr`` (a C-contiguous uint8 array) from ``index`` (unchecked), as uint64."""
    if not _bytes(arr):
        return None  # a typing error: nothing but bytes, in order
    sig = types.uint64(arr, types.uint64)

    def codegen(context, builder, sig, args):
        data = context.make_array(sig.args[0])(context, builder, args[0]).data
        word = builder.bitcast(builder.gep(data, [args[1]]), ir.IntType(64).as_pointer())
        return builder.load(word, align=1)

    return sig, codegen


@intrinsic
def store_u64(typingctx, arr, index, value):
    """Write ``value`` (uint64) over the 8 bytes of ``arr`` from ``index`` (unchecked)."""
    if not _bytes(arr, writable=True):
        return None
    sig = types.void(arr, types.uint64, types.uint64)

    def codegen(context, builder, sig, args):
        data = context.make_array(sig.args[0])(context, builder, args[0]).data
        word = builder.bitcast(builder.gep(data, [args[1]]), ir.IntType(64).as_pointer())
        builder.store(args[2], word, align=1)
        return context.get_dummy_value()

    return sig, codegen
