"""Space-time memory read over the current and previous frames (seed 002; after STM / STCN).

Key and value heads encode the 1/16 features of every frame: a 3x3 convolution to ``key_dim`` (64)
channels for keys, 3x3 convolution + BN + ReLU to ``value_dim`` (128) for values. For frame t the
memory is the keys/values of frames t - ``memory_frames`` .. t (the current frame and its two
previous frames by default; fewer at the start of a sequence). The read, for every query pixel q:

    affinity(m, q) = k_m . k_q / sqrt(key_dim)          over all T*H*W memory positions m
    w(., q)        = softmax_m affinity(m, q)
    readout(q)     = sum_m w(m, q) v_m

and the output is [readout, v_q] (2 x value_dim channels), the "reconstructed features" that the
decoder and the direct-supervision heads use. The state carried between calls is the keys and values
of the last ``memory_frames`` frames, so a sequence in one call equals the frames fed one by one.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .layers import ConvNormAct, check_state, fold, unfold


class MemoryRead(nn.Module):
    """Softmax attention of query keys over memory keys, reading memory values (no parameters)."""

    def forward(self, query_key: Tensor, memory_key: Tensor, memory_value: Tensor) -> Tensor:
        """query_key (B, Ck, Q), memory_key (B, Ck, M), memory_value (B, Cv, M) -> (B, Cv, Q)."""
        scale = 1.0 / math.sqrt(query_key.shape[1])
        # The affinity and its softmax in float32: mixed precision would overflow exp() here.
        affinity = torch.bmm(memory_key.transpose(1, 2).float(), query_key.float()) * scale
        weights = affinity.softmax(dim=1).to(memory_value.dtype)
        return torch.bmm(memory_value, weights)

    @staticmethod
    def count_macs(inputs: tuple[Tensor, ...], output: Tensor) -> int:
        """Multiply-accumulates of the two matrix products (for :mod:`mbench.baselines.measure`)."""
        query_key, memory_key, memory_value = inputs
        batch, key_dim, queries = query_key.shape
        return batch * memory_key.shape[2] * queries * (key_dim + memory_value.shape[1])


class SpaceTimeMemory(nn.Module):
    """Key/value heads and the memory read.

    Parameters
    ----------
    in_channels : int
        Channels of the 1/16 features.
    key_dim, value_dim : int
        Key and value channels (64 and 128).
    memory_frames : int
        Previous frames kept in memory besides the current one (2).
    """

    def __init__(self, in_channels: int, key_dim: int = 64, value_dim: int = 128,
                 memory_frames: int = 2):
        super().__init__()
        self.key_proj = nn.Conv2d(in_channels, key_dim, 3, padding=1)
        self.value_proj = ConvNormAct(in_channels, value_dim, 3)
        self.read = MemoryRead()
        self.key_dim, self.value_dim, self.memory_frames = key_dim, value_dim, memory_frames
        self.out_channels = 2 * value_dim

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """x (B, T, C, h, w); state (keys (B, n, Ck, h, w), values (B, n, Cv, h, w)) or None.

        Returns the reconstructed features (B, T, 2 Cv, h, w) and the new state (n <= memory_frames).
        """
        batch, frames = x.shape[:2]
        keys = unfold(self.key_proj(fold(x)), batch)
        values = unfold(self.value_proj(fold(x)), batch)
        if state is not None:
            old_keys, old_values = state
            n = old_keys.shape[1]
            check_state(old_keys, (batch, n, self.key_dim, *x.shape[-2:]), "state")
            check_state(old_values, (batch, n, self.value_dim, *x.shape[-2:]), "state")
            keys, values = torch.cat([old_keys, keys], dim=1), torch.cat([old_values, values], dim=1)
        offset = keys.shape[1] - frames
        outputs = []
        for t in range(offset, keys.shape[1]):
            first = max(0, t - self.memory_frames)
            # (B, n, C, h, w) -> (B, C, n*h*w): every memory position of every frame in the window.
            memory_key = keys[:, first: t + 1].transpose(1, 2).flatten(2)
            memory_value = values[:, first: t + 1].transpose(1, 2).flatten(2)
            readout = self.read(keys[:, t].flatten(2), memory_key, memory_value)
            outputs.append(torch.cat([readout.view_as(values[:, t]), values[:, t]], dim=1))
        keep = max(0, keys.shape[1] - self.memory_frames)
        return torch.stack(outputs, dim=1), (keys[:, keep:], values[:, keep:])
