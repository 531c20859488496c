"""mbench.inflate against CPython's zlib: same bytes on every valid stream, and never a result
(or a crash) on a stream zlib rejects."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from mbench.inflate import ERRORS, inflate_raw, inflate_zlib


def _inflate(stream: bytes, size: int) -> tuple[int, bytes]:
    out = np.zeros(size, np.uint8)
    status, end = inflate_zlib(np.frombuffer(stream, np.uint8), out)
    if status >= 0:
        assert zlib.adler32(out) == int.from_bytes(stream[end:end + 4], "big")
    return status, out.tobytes()


def _data(kind: str, size: int, rng: np.random.Generator) -> bytes:
    if kind == "random":
        return rng.integers(0, 256, size, dtype=np.uint8).tobytes()
    if kind == "few symbols":
        return rng.integers(0, 3, size, dtype=np.uint8).tobytes()
    if kind == "runs":  # like a filtered matte: long runs of one value
        values = rng.integers(0, 256, size // 20 + 1, dtype=np.uint8)
        return np.repeat(values, rng.integers(1, 300, values.size)).tobytes()[:size]
    pattern = rng.integers(0, 256, int(rng.integers(2, 40)), dtype=np.uint8).tobytes()  # periods
    return (pattern * (size // len(pattern) + 1))[:size]


COMPRESSORS = {
    "stored": dict(level=0),
    "fast": dict(level=1),
    "default": dict(level=6),
    "best": dict(level=9),
    "fixed Huffman": dict(strategy=zlib.Z_FIXED),
    "RLE": dict(strategy=zlib.Z_RLE),
    "Huffman only": dict(strategy=zlib.Z_HUFFMAN_ONLY),
    "small window": dict(level=9, wbits=9, memLevel=1),
}


@pytest.mark.parametrize("kind", ["random", "few symbols", "runs", "periodic"])
@pytest.mark.parametrize("compressor", list(COMPRESSORS))
def test_same_bytes_as_zlib(kind, compressor):
    rng = np.random.default_rng(abs(hash((kind, compressor))) % 2**32)
    for size in (1, 2, 257, 5000, int(rng.integers(70_000, 140_000))):  # several blocks at the end
        data = _data(kind, size, rng)
        c = zlib.compressobj(**COMPRESSORS[compressor])
        stream = c.compress(data) + c.flush()
        status, out = _inflate(stream, len(data))
        assert status == len(data), ERRORS.get(status)
        assert out == data


def test_stream_split_in_flushed_blocks():
    # Sync flushes put empty stored blocks between compressed ones.
    rng = np.random.default_rng(3)
    parts = [_data("runs", 3000, rng) for _ in range(4)]
    c = zlib.compressobj(6)
    stream = b"".join(c.compress(p) + c.flush(zlib.Z_SYNC_FLUSH) for p in parts) + c.flush()
    status, out = _inflate(stream, 12000)
    assert status == 12000 and out == b"".join(parts)


class BitWriter:
    """LSB-first bit packing, as DEFLATE stores everything but Huffman codes."""

    def __init__(self):
        self.bits: list[int] = []

    def value(self, v: int, n: int) -> None:
        self.bits += [(v >> i) & 1 for i in range(n)]

    def code(self, c: int, n: int) -> None:  # Huffman codes go most significant bit first
        self.bits += [(c >> (n - 1 - i)) & 1 for i in range(n)]

    def zlib(self) -> bytes:
        bits = self.bits + [0] * (-len(self.bits) % 8)
        body = bytes(sum(b << i for i, b in enumerate(bits[k:k + 8])) for k in range(0, len(bits), 8))
        return b"\x78\x01" + body


def _fixed_literal(w: BitWriter, sym: int) -> None:
    if sym < 144:
        w.code(0x30 + sym, 8)
    elif sym < 256:
        w.code(0x190 + sym - 144, 9)
    elif sym < 280:
        w.code(sym - 256, 7)
    else:
        w.code(0xC0 + sym - 280, 8)


def test_hand_written_fixed_block():
    # "ab" then a match of length 4 at distance 2 -> "ababab", end of block.
    w = BitWriter()
    w.value(1, 1), w.value(1, 2)
    _fixed_literal(w, ord("a")), _fixed_literal(w, ord("b"))
    _fixed_literal(w, 258)  # length 4
    w.code(1, 5)  # distance code 1 = distance 2
    _fixed_literal(w, 256)
    stream = w.zlib() + zlib.adler32(b"ababab").to_bytes(4, "big")
    assert _inflate(stream, 6) == (6, b"ababab")


@pytest.mark.parametrize("case, error", [
    ("distance before start", -7),
    ("invalid length symbol", -6),
    ("invalid distance symbol", -6),
    ("block type 3", -3),
    ("bad header", -1),
    ("too much data", -8),
    ("too little data", -9),
    ("truncated", -2),
])
def test_hand_written_errors(case, error):
    w = BitWriter()
    w.value(1, 1), w.value(3 if case == "block type 3" else 1, 2)
    _fixed_literal(w, ord("a"))
    if case == "distance before start":
        _fixed_literal(w, 257), w.code(1, 5)  # distance 2 with one byte written
    elif case == "invalid length symbol":
        _fixed_literal(w, 286)
    elif case == "invalid distance symbol":
        _fixed_literal(w, 257), w.code(30, 5)
    _fixed_literal(w, 256)
    stream = w.zlib() + zlib.adler32(b"a").to_bytes(4, "big")
    size = {"too much data": 0, "too little data": 2}.get(case, 1)
    if case == "bad header":
        stream = b"\x78\x02" + stream[2:]
    if case == "truncated":
        stream = stream[:3]
    status, _ = _inflate(stream, size)
    assert status == error, (ERRORS.get(status), ERRORS[error])


def test_code_length_sets_zlib_rejects():
    # Dynamic block whose code-length code is over-subscribed: all 19 lengths 1.
    w = BitWriter()
    w.value(1, 1), w.value(2, 2)
    w.value(0, 5), w.value(0, 5), w.value(15, 4)
    for _ in range(19):
        w.value(1, 3)
    stream = w.zlib() + b"\0" * 8
    with pytest.raises(zlib.error):
        zlib.decompress(stream)
    assert _inflate(stream, 1)[0] == -5


@pytest.mark.parametrize("seed", range(4))
def test_damaged_streams_never_give_a_wrong_result(seed):
    """Flipped bits, cut ends and overwritten bytes: we either fail or return exactly zlib's bytes.

    No IndexError or crash either: CI runs the compiled loops, and a read or write out of bounds
    there would corrupt memory, so the test also checks the bytes after the output stay untouched.
    """
    rng = np.random.default_rng(seed)
    accepted = 0
    for trial in range(600):
        data = _data(("runs", "random", "periodic")[trial % 3], int(rng.integers(1, 4000)), rng)
        stream = bytearray(zlib.compress(data, int(rng.integers(0, 10))))
        mode = trial % 4
        if mode == 0:
            for _ in range(int(rng.integers(1, 4))):
                stream[int(rng.integers(0, len(stream)))] ^= 1 << int(rng.integers(0, 8))
        elif mode == 1:
            stream = stream[:int(rng.integers(0, len(stream)))]
        elif mode == 2:
            i = int(rng.integers(2, len(stream)))
            stream[i:i + 8] = rng.integers(0, 256, 8, dtype=np.uint8).tobytes()
        else:
            stream[int(rng.integers(2, len(stream)))] = int(rng.integers(0, 256))
        stream = bytes(stream)
        try:
            d = zlib.decompressobj()
            ref = d.decompress(stream)
            zlib_ok = d.eof and len(ref) == len(data)
        except zlib.error:
            zlib_ok = False
        guard = np.full(len(data) + 64, 77, np.uint8)
        status, end = inflate_zlib(np.frombuffer(stream, np.uint8), guard[:len(data)])
        assert (guard[len(data):] == 77).all()
        if status >= 0 and zlib.adler32(guard[:len(data)]) == int.from_bytes(stream[end:end + 4], "big"):
            assert zlib_ok and guard[:len(data)].tobytes() == ref
            accepted += 1
    assert accepted > 0  # some damage (in the checksum's own slack) leaves the stream valid


def test_raw_stream_reports_where_it_ends():
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    stream = c.compress(b"x" * 1000) + c.flush()
    out = np.zeros(1000, np.uint8)
    status, end = inflate_raw(np.frombuffer(stream + b"TAIL", np.uint8), 0, out)
    assert (status, end) == (1000, len(stream))
