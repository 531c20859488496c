"""Loading and saving model weights, safely.

Formats: ``.safetensors`` (read with ``safetensors.torch.load_file``), anything else as a PyTorch
file read with ``torch.load(..., weights_only=True)``: tensors and plain containers only, never
arbitrary pickled objects. A checkpoint may be a state dict, a dict wrapping one under
``"state_dict"``, ``"model"`` or ``"model_state_dict"``, and may carry DistributedDataParallel's
``module.`` (or ``torch.compile``'s ``_orig_mod.``) prefix.

Our state-dict names are those of the official releases, so their checkpoints load as they are:

- RVM (``rvm_mobilenetv3.pth``, ``rvm_resnet50.pth``) into ``build("rvm", "mobilenetv3" | "resnet50")``:
  ``backbone.features.N...`` (torchvision MobileNetV3: ``features.0.0`` stem conv, ``features.K.block.M``
  inverted residuals with SE ``fc1``/``fc2``, ``features.16.0`` last 1x1) or ``backbone.conv1`` /
  ``backbone.layerK.J...`` (torchvision ResNet), ``aspp.aspp1.0``, ``aspp.aspp1.1``, ``aspp.aspp2.1``,
  ``decoder.decode4.gru.{ih,hh}.0``, ``decoder.decode{3,2,1}.conv.{0,1}`` and ``.gru.{ih,hh}.0``,
  ``decoder.decode0.conv.{0,1,3,4}``, ``project_mat.conv``, ``project_seg.conv``,
  ``refiner.box_filter``, ``refiner.conv.{0,1,3,4,6}``.
- BGMv2 (``pytorch_mobilenetv2.pth``, ``pytorch_resnet50.pth``, ``pytorch_resnet101.pth``) into
  ``build("bgmv2", backbone)``: ``backbone.features.N.conv...`` (torchvision MobileNetV2, first conv
  with 6 input channels) or ``backbone.conv1`` / ``backbone.layerK.J...``, ``aspp.convs.{0..4}``,
  ``aspp.project.{0,1}`` (torchvision DeepLabV3 ASPP), ``decoder.conv1..4`` / ``decoder.bn1..3``,
  ``refiner.conv1..4`` / ``refiner.bn1..3``.
- seed 000 and seed 002 have no release; ``strict=False`` transfers the overlapping weights (a BGMv2
  checkpoint into ``convlstm``, an RVM one into ``attention_memory``), as seed 000 did.

``WEIGHTS.md`` beside this file has the full table. ``load_weights`` raises :class:`BadInput` naming
the file and the first key that does not fit, for a checkpoint of another model or shape, and for a
corrupt, truncated or unsafe file.
"""

from __future__ import annotations

import io
import os
import pickle
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn

from mbench.atomic import write_bytes
from mbench.errors import BadInput

WRAPPERS = ("state_dict", "model", "model_state_dict")
PREFIXES = ("module.", "_orig_mod.")
OPTIONAL_SUFFIX = "num_batches_tracked"  # absent from checkpoints written by old PyTorch


@dataclass(frozen=True)
class LoadReport:
    """What :func:`load_weights` did: keys loaded, and (non-strict) those left aside."""

    loaded: tuple[str, ...]
    missing: tuple[str, ...] = ()
    unexpected: tuple[str, ...] = ()
    mismatched: tuple[str, ...] = ()


def read_state_dict(path: str | os.PathLike) -> dict[str, Tensor]:
    """Read the tensors of a checkpoint file (safetensors or weights-only PyTorch), unwrapped."""
    path = Path(path)
    if not path.is_file():
        raise BadInput("no such checkpoint file", path)
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            data = load_file(str(path), device="cpu")
        except Exception as err:  # safetensors raises its own error types for corrupt headers
            raise BadInput(f"not a readable safetensors file ({err})", path) from None
    else:
        try:
            data = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as err:
            found = re.search(r"GLOBAL (\S+)", str(err))
            if found:
                raise BadInput(f"refused: the file holds Python objects besides tensors "
                               f"({found.group(1)}; checkpoints are loaded with weights_only=True)",
                               path) from None
            raise BadInput("not a readable PyTorch checkpoint (not a torch file)", path) from None
        except Exception as err:  # truncated zip, not a torch file at all, ...
            raise BadInput(f"not a readable PyTorch checkpoint ({type(err).__name__}: {err})",
                           path) from None
    return _unwrap(data, path)


def _unwrap(data: object, path: Path) -> dict[str, Tensor]:
    if isinstance(data, Mapping) and not _all_tensors(data):
        for key in WRAPPERS:
            if isinstance(data.get(key), Mapping):
                data = data[key]
                break
    if not isinstance(data, Mapping) or not data or not _all_tensors(data):
        raise BadInput("no state dict in the checkpoint (expected tensors by name, or "
                       "{'state_dict': ...})", path)
    state = {str(k): v for k, v in data.items()}
    for prefix in PREFIXES:
        if all(k.startswith(prefix) for k in state):
            state = {k[len(prefix):]: v for k, v in state.items()}
    return state


def _all_tensors(data: Mapping) -> bool:
    return all(isinstance(v, Tensor) for v in data.values())


def load_weights(model: nn.Module, path: str | os.PathLike, *, strict: bool = True) -> LoadReport:
    """Load a checkpoint into ``model`` in place.

    Parameters
    ----------
    model : nn.Module
        A model from :func:`mbench.baselines.build`.
    path : path
        ``.safetensors`` or a PyTorch file (``.pt``, ``.pth``, ``.ckpt``...).
    strict : bool
        True: every model weight must be in the checkpoint with its shape, and nothing else
        (BatchNorm's ``num_batches_tracked`` may be absent). False: load the keys whose name and
        shape match (transfer learning) and report the rest; at least one must match.

    Returns
    -------
    LoadReport

    Raises
    ------
    BadInput
        Missing file; corrupt or unsafe file; a checkpoint of another model or shape (naming the
        first key that does not fit).
    """
    state = read_state_dict(path)
    own = model.state_dict()
    loaded, missing, mismatched = [], [], []
    for key, tensor in own.items():
        if key not in state:
            if not key.endswith(OPTIONAL_SUFFIX):
                missing.append(key)
        elif tuple(state[key].shape) != tuple(tensor.shape):
            mismatched.append(key)
        else:
            loaded.append(key)
    unexpected = [key for key in state if key not in own]
    if strict:
        problems = [k for k in own if k in set(missing) | set(mismatched)]
        if problems and problems[0] in mismatched:
            key = problems[0]
            raise BadInput(f"{key} has shape {tuple(state[key].shape)} in the checkpoint but "
                           f"{tuple(own[key].shape)} in the model (another model, backbone or "
                           f"width?)", path)
        if problems:
            raise BadInput(f"checkpoint lacks {problems[0]} (and {len(problems) - 1} more keys "
                           f"missing or of another shape): a checkpoint of another model or "
                           f"backbone?", path)
        if unexpected:
            raise BadInput(f"checkpoint has {unexpected[0]} (and {len(unexpected) - 1} more keys) "
                           f"that this model lacks: a checkpoint of another model?", path)
    elif not loaded:
        raise BadInput("checkpoint shares no weights with this model", path)
    model.load_state_dict({k: state[k] for k in loaded}, strict=False)
    return LoadReport(tuple(loaded), tuple(missing), tuple(unexpected), tuple(mismatched))


def save_weights(model: nn.Module, path: str | os.PathLike,
                 metadata: Mapping[str, str] | None = None) -> None:
    """Write ``model``'s state dict atomically: safetensors for ``.safetensors``, else ``torch.save``."""
    path = Path(path)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    if path.suffix == ".safetensors":
        from safetensors.torch import save

        data = save(state, metadata=dict(metadata) if metadata else None)
    else:
        buffer = io.BytesIO()
        torch.save(state, buffer)
        data = buffer.getvalue()
    write_bytes(path, data)
