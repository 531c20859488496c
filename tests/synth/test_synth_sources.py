"""Source registry, built-in backgrounds and the folder sources (each user layout, each bad input)."""

from __future__ import annotations

import pickle
from pathlib import Path

import cv2
import numpy as np
import pytest

from mbench.errors import BadInput
from mbench.synth.sources import open_background, open_foreground, parse_spec
from mbench.synth.sources import textures as tx
from mbench.synth.sources.builtin_photos import PHOTOS, load_photo, photo_size


# ---------------------------------------------------------------- writing tiny data sets

def write(path: Path, img: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if img.ndim == 3 and img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    elif img.ndim == 3 and img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_RGBA2BGRA)
    assert cv2.imwrite(str(path), img)
    return path


def colour(h: int, w: int, v: int) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0], img[..., 1], img[..., 2] = v, 255 - v, (3 * v) % 256
    return img


def matte(h: int, w: int, v: int) -> np.ndarray:
    a = np.zeros((h, w), np.uint8)
    a[h // 4:, w // 4: 3 * w // 4] = 255
    a[h // 4 - 1, :] = v
    return a


def write_video(path: Path, frames: list[np.ndarray], fps: float = 25.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for f in frames:
        writer.write(cv2.cvtColor(f if f.ndim == 3 else cv2.cvtColor(f, cv2.COLOR_GRAY2RGB), cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def vm_clip(base: Path, name: str, n: int, size=(24, 32), pha_ext=".png", fgr_ext=".jpg") -> None:
    h, w = size
    for i in range(n):
        write(base / "fgr" / name / f"{i:04d}{fgr_ext}", colour(h, w, 10 * i))
        write(base / "pha" / name / f"{i:04d}{pha_ext}", matte(h, w, 10 * i + 5))


@pytest.fixture
def vm_root(tmp_path):
    root = tmp_path / "VideoMatte240K_JPEG_SD"
    for name in ("0000", "0001", "0100"):
        vm_clip(root / "train", name, 3)
    vm_clip(root / "test", "0000", 2)
    vm_clip(root / "test", "0001", 4)
    return root


def one_line(e: pytest.ExceptionInfo, *fragments) -> None:
    msg = str(e.value)
    assert "\n" not in msg
    for f in fragments:
        assert str(f) in msg, (f, msg)


# ---------------------------------------------------------------- registry

@pytest.mark.parametrize("spec, fragment", [
    ("nonsense", "unknown foreground source kind 'nonsense'"),
    ("videomatte", "needs a path"),
    ("videomatte:", "needs a path"),
    ("images", "needs a path"),
    ("procedural:/tmp", "takes no path"),
    ("", "empty source spec"),
])
def test_bad_foreground_specs(spec, fragment):
    with pytest.raises(BadInput) as e:
        open_foreground(spec)
    one_line(e, fragment)


def test_bad_background_specs_and_options(tmp_path):
    with pytest.raises(BadInput) as e:
        open_background("procedural")
    one_line(e, "unknown background source kind", "builtin, images, videos")
    with pytest.raises(BadInput) as e:
        open_background("builtin", colour=3)
    one_line(e, "unknown option 'colour'", "valid: seed")
    with pytest.raises(BadInput) as e:
        open_background(f"images:{tmp_path / 'missing'}")
    one_line(e, "does not exist", "missing")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(BadInput) as e:
        open_background(f"videos:{tmp_path / 'file.txt'}")
    one_line(e, "not a folder", "file.txt")


def test_parse_spec():
    assert parse_spec("builtin") == ("builtin", None)
    assert parse_spec("images:/a/b:c") == ("images", "/a/b:c")


# ---------------------------------------------------------------- built-in backgrounds

@pytest.fixture(scope="module")
def builtin():
    return open_background("builtin", textures=9, videos=2, frames=20, size=(160, 90))


def test_builtin_splits_share_no_photograph_and_hold_every_kind(builtin):
    seen = {}
    for split in ("train", "valid", "test"):
        items = builtin.items(split)
        photos = {i.id.split("/")[2] for i in items if "/photo/" in i.id}
        assert photos and all(PHOTOS[p][0] == split for p in photos)
        for p in photos:
            assert p not in seen
            seen[p] = split
        assert sum("/texture/" in i.id for i in items) == 9
        videos = [i for i in items if i.is_video]
        assert len(videos) == 2 and all(v.num_frames == 20 for v in videos)
        assert all(not i.is_video for i in items if "/video/" not in i.id)
    assert "astronaut" not in seen and "camera" not in seen


def test_builtin_frames_are_rgb_uint8_of_the_declared_size(builtin):
    for item in builtin.items("valid"):
        for k in {0, item.num_frames - 1}:
            img = builtin.frame(item, k)
            assert img.dtype == np.uint8 and img.shape == (item.height, item.width, 3)
    with pytest.raises(IndexError):
        builtin.frame(builtin.items("valid")[0], 1)


def test_builtin_photographs_have_the_sizes_listed():
    # the catalogue lists the sizes without decoding the pictures: they must be the true ones
    for name, (_, _, _, size) in PHOTOS.items():
        img = load_photo(name)
        assert (img.shape[1], img.shape[0]) == size == photo_size(name), name
        assert img.dtype == np.uint8 and img.shape[2] == 3


def test_palette_maps_match_their_reference():
    rng = np.random.default_rng(5)
    pattern = rng.random((17, 23), dtype=np.float32) * 1.2 - 0.1   # a little out of [0, 1]
    for k in (2, 3, 5):
        colours = rng.random((k, 3)).astype(np.float32)
        knots = np.linspace(0, 1, k)
        want = np.stack([np.interp(np.clip(pattern, 0, 1), knots, colours[:, c]) for c in range(3)], axis=2)
        got = tx.gradient_map(pattern, colours)
        assert got.dtype == np.float32 and got.shape == (17, 23, 3)
        assert np.abs(got - want).max() < 1e-5
    c0, c1 = colours[0], colours[1]
    assert np.abs(tx.colourise(pattern, c0, c1) - (c0 * (1 - pattern[..., None]) + c1 * pattern[..., None])).max() < 1e-5
    assert tx.colourise(np.zeros((0, 4), np.float32), c0, c1).shape == (0, 4, 3)   # empty patches too
    assert tx.gradient_map(np.zeros((0, 4), np.float32), colours).shape == (0, 4, 3)


def test_builtin_textures_and_videos_are_deterministic_and_videos_move(builtin):
    items = builtin.items("test")
    textures = [i for i in items if "/texture/" in i.id]
    video = [i for i in items if i.is_video][0]
    other = open_background("builtin", textures=9, videos=2, frames=20, size=(160, 90), cache=1)
    for it in textures[:3] + [video]:
        assert builtin.frame(it, 0).tobytes() == other.frame(it, 0).tobytes()
    assert builtin.frame(video, 19).tobytes() == other.frame(video, 19).tobytes()
    frames = [builtin.frame(video, k).astype(int) for k in (0, 1, 19)]
    assert 0 < np.abs(frames[1] - frames[0]).mean() < np.abs(frames[2] - frames[0]).mean()
    assert len({builtin.frame(t, 0).tobytes() for t in textures}) == len(textures)
    reseeded = open_background("builtin", seed=3, textures=9, videos=2, frames=20, size=(160, 90))
    assert reseeded.frame(textures[0], 0).tobytes() != builtin.frame(textures[0], 0).tobytes()


def test_builtin_empty_split_is_bad_input():
    src = open_background("builtin", photos=False, textures=0, videos=0)
    with pytest.raises(BadInput) as e:
        src.items("train")
    one_line(e, "no backgrounds")


# ---------------------------------------------------------------- image backgrounds

def test_image_backgrounds_flat_folder_serves_every_split(tmp_path):
    write(tmp_path / "bg" / "b.jpg", colour(20, 30, 1))
    write(tmp_path / "bg" / "sub" / "a.png", colour(10, 12, 2))
    (tmp_path / "bg" / "notes.txt").write_text("ignored")
    src = open_background(f"images:{tmp_path / 'bg'}")
    for split in ("train", "valid", "test"):
        items = src.items(split)
        assert [i.id for i in items] == ["b.jpg", "sub/a.png"]
    assert src.frame(items[1], 0).shape == (10, 12, 3)
    assert src.frame(items[1], 0).tobytes() == colour(10, 12, 2).tobytes()


def test_image_backgrounds_split_folders(tmp_path):
    for split, n in (("train", 2), ("valid", 1), ("test", 1)):
        for i in range(n):
            write(tmp_path / split / f"{i}.png", colour(8, 8, i))
    src = open_background(f"images:{tmp_path}")
    assert [i.id for i in src.items("train")] == ["train/0.png", "train/1.png"]
    assert [i.id for i in src.items("valid")] == ["valid/0.png"]
    assert pickle.loads(pickle.dumps(src)).frame(src.items("test")[0], 0).shape == (8, 8, 3)


def test_image_backgrounds_bad_inputs(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(BadInput) as e:
        open_background(f"images:{tmp_path / 'empty'}").items("train")
    one_line(e, "no background images", "empty")
    write(tmp_path / "splits" / "train" / "0.png", colour(8, 8, 0))
    with pytest.raises(BadInput) as e:
        open_background(f"images:{tmp_path / 'splits'}").items("valid")
    one_line(e, "no 'valid' folder", "valid")
    bad = tmp_path / "corrupt"
    write(bad / "ok.png", colour(8, 8, 0))
    (bad / "broken.png").write_bytes(b"not an image at all")
    with pytest.raises(BadInput) as e:
        open_background(f"images:{bad}").items("train")
    one_line(e, "broken.png", "not a PNG or JPEG")
    trunc = tmp_path / "trunc"
    data = (write(trunc / "t.png", colour(16, 16, 0))).read_bytes()
    src = open_background(f"images:{trunc}")
    item = src.items("train")[0]
    (trunc / "t.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(BadInput) as e:
        src.frame(item, 0)
    one_line(e, "t.png", "truncated")


# ---------------------------------------------------------------- video backgrounds

def test_video_backgrounds_mp4_and_frame_folders(tmp_path):
    root = tmp_path / "dvm"
    write_video(root / "clipA.mp4", [colour(24, 32, 40 * i) for i in range(4)])
    for i in range(3):
        write(root / "clipB" / f"{i:05d}.jpg", colour(18, 20, 30 * i))
    (root / "not_a_clip").mkdir()
    src = open_background(f"videos:{root}")
    items = src.items("test")
    assert [(i.id, i.num_frames, i.width, i.height) for i in items] == [("clipA.mp4", 4, 32, 24), ("clipB", 3, 20, 18)]
    assert items[0].fps == 25.0 and items[1].fps == 30.0
    assert src.frame(items[0], 3).shape == (24, 32, 3)
    assert src.frame(items[1], 2).shape == (18, 20, 3)
    assert np.abs(src.frame(items[0], 3).astype(int) - src.frame(items[0], 0).astype(int)).mean() > 20


def test_video_backgrounds_bad_inputs(tmp_path):
    (tmp_path / "none").mkdir()
    with pytest.raises(BadInput) as e:
        open_background(f"videos:{tmp_path / 'none'}").items("train")
    one_line(e, "no background videos")
    root = tmp_path / "mixed"
    write(root / "c" / "0.jpg", colour(10, 10, 0))
    write(root / "c" / "1.jpg", colour(12, 10, 0))
    src = open_background(f"videos:{root}")
    item = src.items("train")[0]
    src.frame(item, 0)
    with pytest.raises(BadInput) as e:
        src.frame(item, 1)
    one_line(e, "1.jpg", "10x12", "first frame is 10x10")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "x.mp4").write_bytes(b"\x00" * 100)
    with pytest.raises(BadInput) as e:
        open_background(f"videos:{tmp_path / 'broken'}").items("train")
    one_line(e, "x.mp4")


# ---------------------------------------------------------------- VideoMatte240K

def test_videomatte_split_layout_and_rvm_validation_clips(vm_root):
    src = open_foreground(f"videomatte:{vm_root}")
    assert [c.id for c in src.clips("train")] == ["train/0001"]
    assert [c.id for c in src.clips("valid")] == ["train/0000", "train/0100"]
    test = src.clips("test")
    assert [(c.id, c.num_frames, c.width, c.height, c.fps) for c in test] == \
        [("test/0000", 2, 32, 24, 30.0), ("test/0001", 4, 32, 24, 30.0)]
    fgr, pha = src.frame(test[1], 3)
    assert fgr.shape == (24, 32, 3) and fgr.dtype == np.uint8
    assert pha.tobytes() == matte(24, 32, 35).tobytes()
    assert pickle.loads(pickle.dumps(src)).frame(test[1], 3)[1].tobytes() == pha.tobytes()


def test_videomatte_flat_and_mp4_layouts(tmp_path):
    flat = tmp_path / "flat"
    vm_clip(flat, "a", 2)
    src = open_foreground(f"videomatte:{flat}")
    assert [c.id for c in src.clips("train")] == [c.id for c in src.clips("test")] == ["a"]
    vids = tmp_path / "mp4"
    for name, n in (("0000", 3), ("0007", 2)):
        write_video(vids / "train" / "fgr" / f"{name}.mp4", [colour(16, 24, 50 * i) for i in range(n)])
        write_video(vids / "train" / "pha" / f"{name}.mp4", [np.full((16, 24), 80 * i, np.uint8) for i in range(n)])
    src = open_foreground(f"videomatte:{vids}")
    clip = src.clips("train")[0]
    assert (clip.id, clip.num_frames, clip.fps) == ("train/0007", 2, 25.0)
    assert [c.id for c in src.clips("valid")] == ["train/0000"]
    fgr, pha = src.frame(src.clips("valid")[0], 2)
    assert fgr.shape == (16, 24, 3) and pha.shape == (16, 24) and abs(int(pha.mean()) - 160) < 6
    with pytest.raises(BadInput) as e:
        src.clips("test")
    one_line(e, "no 'test' folder")


def test_videomatte_bad_layouts(tmp_path, vm_root):
    (tmp_path / "plain").mkdir()
    with pytest.raises(BadInput) as e:
        open_foreground(f"videomatte:{tmp_path / 'plain'}")
    one_line(e, "not a VideoMatte240K layout", "plain")
    with pytest.raises(BadInput) as e:
        open_foreground(f"videomatte:{tmp_path / 'absent'}")
    one_line(e, "does not exist", "absent")
    # a clip with a foreground but no alpha
    vm_clip(vm_root / "test", "0002", 2)
    for f in (vm_root / "test" / "pha" / "0002").iterdir():
        f.unlink()
    (vm_root / "test" / "pha" / "0002").rmdir()
    with pytest.raises(BadInput) as e:
        open_foreground(f"videomatte:{vm_root}").clips("test")
    one_line(e, "clip has no alpha", "0002")


def test_videomatte_frame_count_and_name_mismatch(tmp_path):
    root = tmp_path / "vm"
    vm_clip(root, "c", 3)
    (root / "pha" / "c" / "0002.png").unlink()
    with pytest.raises(BadInput) as e:
        open_foreground(f"videomatte:{root}").clips("train")
    one_line(e, "fgr has 3 frames but pha has 2", str(root / "pha" / "c"))
    write(root / "pha" / "c" / "0009.png", matte(24, 32, 0))
    with pytest.raises(BadInput) as e:
        open_foreground(f"videomatte:{root}").clips("train")
    one_line(e, "frame 0002 has no alpha")


def test_videomatte_alpha_size_and_unreadable_frames(tmp_path):
    root = tmp_path / "vm"
    vm_clip(root, "c", 3)
    write(root / "pha" / "c" / "0001.png", matte(12, 32, 0))
    (root / "fgr" / "c" / "0002.jpg").write_bytes(b"\xff\xd8garbage")
    src = open_foreground(f"videomatte:{root}")
    clip = src.clips("train")[0]
    src.frame(clip, 0)
    with pytest.raises(BadInput) as e:
        src.frame(clip, 1)
    one_line(e, "alpha is 32x12 but its foreground is 32x24", "0001.png")
    with pytest.raises(BadInput) as e:
        src.frame(clip, 2)
    one_line(e, "0002.jpg")
    write(root / "pha" / "c" / "0000.png", matte(12, 32, 0))
    with pytest.raises(BadInput) as e:
        open_foreground(f"videomatte:{root}").clips("train")
    one_line(e, "alpha is 32x12 but its foreground is 32x24")


def test_sixteen_bit_alpha_is_read_as_eight_bit(tmp_path):
    root = tmp_path / "vm"
    vm_clip(root, "c", 1)
    a16 = matte(24, 32, 0).astype(np.uint16) * 257
    a16[0, 0] = 32896  # 128 * 257: exactly 128 in 8 bits
    write(root / "pha" / "c" / "0000.png", a16)
    src = open_foreground(f"videomatte:{root}")
    pha = src.frame(src.clips("train")[0], 0)[1]
    assert pha.dtype == np.uint8 and pha[0, 0] == 128 and pha.max() == 255


# ---------------------------------------------------------------- image foregrounds

def test_image_foregrounds_rgba_pngs(tmp_path):
    rgba = np.dstack([colour(20, 16, 9), matte(20, 16, 77)])
    write(tmp_path / "pm85" / "p1.png", rgba)
    write(tmp_path / "pm85" / "p2.png", rgba[::-1].copy())
    src = open_foreground(f"images:{tmp_path / 'pm85'}")
    clips = src.clips("valid")
    assert [(c.id, c.num_frames, c.width, c.height) for c in clips] == [("p1.png", 1, 16, 20), ("p2.png", 1, 16, 20)]
    fgr, pha = src.frame(clips[0], 0)
    assert fgr.tobytes() == colour(20, 16, 9).tobytes() and pha.tobytes() == matte(20, 16, 77).tobytes()
    with pytest.raises(IndexError):
        src.frame(clips[0], 1)


def test_image_foregrounds_fg_alpha_folders(tmp_path):
    root = tmp_path / "aim"
    for split in ("train", "test"):
        write(root / split / "fg" / "x.jpg", colour(10, 14, 3))
        write(root / split / "alpha" / "x.png", matte(10, 14, 50))
    src = open_foreground(f"images:{root}")
    clip = src.clips("test")[0]
    assert clip.id == "test/fg/x.jpg"
    fgr, pha = src.frame(clip, 0)
    assert fgr.shape == (10, 14, 3) and pha.tobytes() == matte(10, 14, 50).tobytes()
    with pytest.raises(BadInput) as e:
        src.clips("valid")
    one_line(e, "no 'valid' folder")


def test_image_foregrounds_bad_inputs(tmp_path):
    write(tmp_path / "rgb" / "a.png", colour(8, 8, 0))
    with pytest.raises(BadInput) as e:
        open_foreground(f"images:{tmp_path / 'rgb'}").clips("train")
    one_line(e, "no alpha channel", "a.png")
    pairs = tmp_path / "pairs"
    write(pairs / "fg" / "a.png", colour(8, 8, 0))
    write(pairs / "fg" / "b.png", colour(8, 8, 0))
    write(pairs / "alpha" / "a.png", matte(8, 8, 0))
    with pytest.raises(BadInput) as e:
        open_foreground(f"images:{pairs}").clips("train")
    one_line(e, "foreground has no alpha", "b.png")
    write(pairs / "alpha" / "b.png", matte(6, 8, 0))
    src = open_foreground(f"images:{pairs}")
    clip = src.clips("train")[1]
    with pytest.raises(BadInput) as e:
        src.frame(clip, 0)
    one_line(e, "alpha is 8x6 but its foreground b.png is 8x8", str(pairs / "alpha" / "b.png"))
    only = tmp_path / "only_fg"
    write(only / "fg" / "a.png", colour(8, 8, 0))
    with pytest.raises(BadInput) as e:
        open_foreground(f"images:{only}").clips("train")
    one_line(e, "missing folder", "alpha")
    (tmp_path / "void").mkdir()
    with pytest.raises(BadInput) as e:
        open_foreground(f"images:{tmp_path / 'void'}").clips("train")
    one_line(e, "no foreground images")
