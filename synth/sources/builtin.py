"""The built-in background source (``--bgr builtin``): photographs, textures, camera-moved videos.

Items of a split, in this order:

- ``<split>/photo/<name>``: the scikit-image photographs assigned to the split
  (``builtin_photos.PHOTOS``), stills at their own size;
- ``<split>/texture/NNNN``: procedural textures (``builtin_textures.TEXTURE_KINDS``, cycling
  through the kinds), stills of ``size``;
- ``<split>/video/NNNN``: videos of ``frames`` frames of ``size``: a procedural camera path
  (``camera.py``) over a photograph of the split or a texture of its own.

Everything is a pure function of (seed, split, item): texture ``i`` of split ``s`` is painted
from ``default_rng([seed, SPLIT_STREAMS[s], 1, i])``, video ``i``'s still and path from streams 2
and 3, so splits share no picture.
"""

from __future__ import annotations

import numpy as np

from mbench.errors import BadInput

from ._cache import KeyedCache, TransientState
from ._folders import SPLITS, check_split, frame_size, per_split_counts, positive_float, positive_int
from .base import BackgroundItem
from .builtin_photos import load_photo, photo_names, photo_size
from .builtin_textures import TEXTURE_KINDS, paint_texture
from .camera import CameraPath, draw_camera, prepare_still

SPLIT_STREAMS = {"train": 0, "valid": 1, "test": 2}
DEFAULT_TEXTURES = {"train": 200, "valid": 20, "test": 20}
DEFAULT_VIDEOS = {"train": 100, "valid": 10, "test": 10}
KINDS = tuple(TEXTURE_KINDS)


class BuiltinBackgrounds(TransientState):
    """Built-in backgrounds: stills (photographs, textures) and videos (camera paths over stills).

    Parameters
    ----------
    spec : str
        ``"builtin"``.
    seed : int
        Selects the textures and camera paths (default 0).
    textures : int or dict
        Texture stills per split (default train 200, valid 20, test 20); 0 for none.
    videos : int or dict
        Videos per split (default train 100, valid 10, test 10); 0 for none.
    photos : bool
        Include the scikit-image photographs as stills (default True).
    frames : int
        Frames per video (default 300).
    size : (width, height) or "WxH"
        Size of textures and video frames (default 768x432); photographs keep their own size.
    fps : float
        Frame rate of the videos (default 30); stills report it too.
    cache : int
        Stills and video paths kept prepared (default 16); only a matter of speed.
    """

    kind = "builtin"
    needs_path = False
    _transient = ("_stills", "_videos")

    def __init__(self, spec: str = "builtin", *, seed: int = 0, textures=None, videos=None, photos: bool = True,
                 frames: int = 300, size=(768, 432), fps: float = 30.0, cache: int = 16):
        self.spec = spec
        self.seed = positive_int(seed, "seed", minimum=0)
        self.textures = per_split_counts(textures, "textures", DEFAULT_TEXTURES)
        self.videos = per_split_counts(videos, "videos", DEFAULT_VIDEOS)
        if not isinstance(photos, bool):
            raise BadInput(f"must be true or false, got {photos!r}", "photos")
        self.photos = photos
        self.frames = positive_int(frames, "frames")
        self.size = frame_size(size)
        self.fps = positive_float(fps, "fps")
        self.cache_size = positive_int(cache, "cache")
        self.options = {"seed": self.seed, "textures": dict(self.textures), "videos": dict(self.videos),
                        "photos": self.photos, "frames": self.frames, "size": list(self.size), "fps": self.fps}
        self._init_transient()

    def _init_transient(self) -> None:
        self._stills: KeyedCache[np.ndarray] = KeyedCache(self.cache_size)
        self._videos: KeyedCache[tuple[CameraPath, np.ndarray]] = KeyedCache(max(2, self.cache_size // 4))

    def items(self, split: str) -> list[BackgroundItem]:
        """Photographs, then textures, then videos of ``split``."""
        check_split(split)
        w, h = self.size
        out = []
        if self.photos:
            for name in photo_names(split):
                pw, ph = photo_size(name)
                out.append(BackgroundItem(self.spec, f"{split}/photo/{name}", 1, self.fps, ph, pw))
        out += [BackgroundItem(self.spec, f"{split}/texture/{i:04d}", 1, self.fps, h, w)
                for i in range(self.textures[split])]
        out += [BackgroundItem(self.spec, f"{split}/video/{i:04d}", self.frames, self.fps, h, w)
                for i in range(self.videos[split])]
        if not out:
            raise BadInput(f"no backgrounds in split '{split}' (photos off, no textures, no videos)", self.spec)
        return out

    def _parse(self, item: BackgroundItem) -> tuple[str, str, str]:
        parts = item.id.split("/")
        ok = len(parts) == 3 and parts[0] in SPLITS
        if ok and parts[1] == "photo":
            ok = parts[2] in photo_names(parts[0])
        elif ok:
            ok = parts[1] in ("texture", "video") and parts[2].isdigit()
        if not ok:
            raise BadInput("not an item id of the built-in backgrounds", item.id)
        return parts[0], parts[1], parts[2]

    def _still(self, split: str, kind: str, name: str) -> np.ndarray:
        def build() -> np.ndarray:
            if kind == "photo":
                img = load_photo(name)
            else:
                i = int(name)
                rng = np.random.default_rng([self.seed, SPLIT_STREAMS[split], 1, i])
                w, h = self.size
                img = paint_texture(KINDS[i % len(KINDS)], rng, (h, w))
            img.setflags(write=False)
            return img
        return self._stills.get((split, kind, name), build)

    def _video(self, split: str, index: int) -> tuple[CameraPath, np.ndarray]:
        def build() -> tuple[CameraPath, np.ndarray]:
            rng = np.random.default_rng([self.seed, SPLIT_STREAMS[split], 2, index])
            names = photo_names(split) if self.photos else []
            if names and rng.random() < 0.5:
                still = self._still(split, "photo", names[int(rng.integers(0, len(names)))])
            else:
                w, h = self.size
                texture_rng = np.random.default_rng([self.seed, SPLIT_STREAMS[split], 3, index])
                kind = KINDS[int(texture_rng.integers(0, len(KINDS)))]
                # textures for videos are painted larger than the frame: the camera moves over them
                still = paint_texture(kind, texture_rng, (int(h * 1.5), int(w * 1.5)))
            path = draw_camera(rng, (still.shape[1], still.shape[0]), self.size)
            base = prepare_still(still, path)
            base.setflags(write=False)
            return path, base
        return self._videos.get((split, index), build)

    def frame(self, item: BackgroundItem, index: int) -> np.ndarray:
        """Frame ``index`` of ``item`` (0 for a still) as ``(H, W, 3)`` RGB uint8."""
        if not 0 <= index < item.num_frames:
            raise IndexError(f"frame {index} out of range for {item.id} ({item.num_frames} frames)")
        split, kind, name = self._parse(item)
        if kind == "video":
            path, base = self._video(split, int(name))
            return path.frame(base, index / self.fps)
        return self._still(split, kind, name).copy()
