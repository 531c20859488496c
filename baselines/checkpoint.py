"""Training checkpoints: one atomic safetensors file holding everything a resumed run needs.

``RUNS/<model>/training_state.safetensors`` is written every ``checkpoint_every`` steps with a
single rename (readers see the previous checkpoint or the new one, never half of one):

- tensors: the model's weights (``model/<key>``), the optimiser's per-parameter tensors
  (``optimizer/<index>/<name>``, e.g. Adam's ``exp_avg``), the global torch RNG state
  (``rng/torch``, and ``rng/cuda`` on a GPU);
- metadata (JSON text in the safetensors header): format, step (= the data position: batches
  are a function of the step, see :mod:`.data`), seconds trained, the optimiser's plain values
  (param groups, scalar state such as Adam's ``step`` when it is not a tensor), the AMP grad
  scaler's state, and the run's configuration fingerprint.

Nothing is unpickled: safetensors holds tensors and text only. The final weights go to
``checkpoint.safetensors`` (:func:`mbench.baselines.weights.save_weights`), which
``--weights`` and :func:`mbench.baselines.weights.load_weights` read.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from mbench.atomic import write_bytes
from mbench.errors import BadInput

FORMAT = "mbench-training-state/1"
STATE_FILE = "training_state.safetensors"


@dataclass(frozen=True)
class Resumed:
    """What a checkpoint restored besides the objects loaded in place."""

    step: int
    seconds: float
    fingerprint: str


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def save_state(path: str | os.PathLike, model: nn.Module, optimizer: torch.optim.Optimizer,
               scaler: torch.amp.GradScaler, *, step: int, seconds: float, fingerprint: str) -> None:
    """Write the training state atomically (see the module docstring)."""
    from safetensors.torch import save

    tensors: dict[str, Tensor] = {f"model/{k}": v.detach().cpu().contiguous().clone()
                                  for k, v in model.state_dict().items()}
    opt = optimizer.state_dict()
    plain_state: dict[str, dict[str, Any]] = {}
    for index, values in opt["state"].items():
        for name, value in values.items():
            if isinstance(value, Tensor):
                tensors[f"optimizer/{index}/{name}"] = value.detach().cpu().contiguous().clone()
            else:
                plain_state.setdefault(str(index), {})[name] = _plain(value)
    tensors["rng/torch"] = torch.get_rng_state()
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        tensors["rng/cuda"] = torch.cuda.get_rng_state()
    meta = {"format": FORMAT, "step": int(step), "seconds": float(seconds), "fingerprint": fingerprint,
            "param_groups": _plain(opt["param_groups"]), "optimizer_state": plain_state,
            "scaler": _plain(scaler.state_dict())}
    write_bytes(path, save(tensors, metadata={"mbench": json.dumps(meta, sort_keys=True)}))


def read_state(path: str | os.PathLike) -> tuple[dict[str, Tensor], dict[str, Any]]:
    """The tensors and metadata of a training-state file.

    Raises
    ------
    BadInput
        Not a readable safetensors file, or not an mbench training state.
    """
    from safetensors import safe_open

    path = Path(path)
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            meta = json.loads((f.metadata() or {}).get("mbench", "null"))
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as err:  # safetensors raises its own error types for corrupt headers
        raise BadInput(f"corrupt training checkpoint ({type(err).__name__}: {err}); delete it or "
                       f"use --force", path) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise BadInput(f"not an mbench training checkpoint (no {FORMAT} metadata)", path)
    return tensors, meta


def load_state(path: str | os.PathLike, model: nn.Module, optimizer: torch.optim.Optimizer,
               scaler: torch.amp.GradScaler) -> Resumed:
    """Restore model, optimiser, grad scaler and RNG state in place from :func:`save_state`'s file.

    Raises
    ------
    BadInput
        Corrupt file, or a checkpoint of another model or shape.
    """
    tensors, meta = read_state(path)
    own = model.state_dict()
    weights = {k[len("model/"):]: v for k, v in tensors.items() if k.startswith("model/")}
    for key, value in own.items():
        if key not in weights:
            raise BadInput(f"training checkpoint lacks {key}: a checkpoint of another model; "
                           f"use --force to start over", path)
        if tuple(weights[key].shape) != tuple(value.shape):
            raise BadInput(f"{key} has shape {tuple(weights[key].shape)} in the training checkpoint "
                           f"but {tuple(value.shape)} in the model; use --force to start over", path)
    extra = sorted(set(weights) - set(own))
    if extra:
        raise BadInput(f"training checkpoint has {extra[0]} that the model lacks; use --force "
                       f"to start over", path)
    model.load_state_dict(weights)
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        if key.startswith("optimizer/"):
            _, index, name = key.split("/", 2)
            state.setdefault(int(index), {})[name] = value
    for index, values in meta["optimizer_state"].items():
        state.setdefault(int(index), {}).update(values)
    try:
        optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    except (ValueError, KeyError) as err:
        raise BadInput(f"optimiser state does not fit this model ({err}); use --force", path) from None
    if meta["scaler"]:
        scaler.load_state_dict(meta["scaler"])
    torch.set_rng_state(tensors["rng/torch"])
    if "rng/cuda" in tensors and torch.cuda.is_available():
        torch.cuda.set_rng_state(tensors["rng/cuda"])
    return Resumed(int(meta["step"]), float(meta["seconds"]), str(meta["fingerprint"]))
