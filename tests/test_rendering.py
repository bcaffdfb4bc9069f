"""Episodes rendered headless and embedded as small, reproducible mp4 videos."""

import base64
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import pytest

from rlcourse.envs import UnknownEnvError, make_env, rollout
from rlcourse.rendering import (VIDEO_BUDGET_BYTES, encode_mp4, episode_frames, episode_video,
                                fit_budget, rgb_to_yuv420, stored_size)


def balance(obs):
    """A hand-made CartPole controller that keeps the pole up for all 500 steps."""
    return int(obs[2] + 0.5 * obs[3] + 0.01 * obs[0] + 0.1 * obs[1] > 0)


def embedded_mp4(video) -> bytes:
    match = re.search(r'src="data:video/mp4;base64,([^"]+)"', video._repr_html_())
    assert match, "the video is not embedded as a data URI"
    return base64.b64decode(match.group(1))


def decoded_frames(mp4: bytes) -> list[np.ndarray]:
    """Decode an mp4 with the same ffmpeg binary: a list of (height, width, 3) uint8 frames."""
    import imageio_ffmpeg

    with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
        handle.write(mp4)
        handle.flush()
        reader = imageio_ffmpeg.read_frames(handle.name)
        width, height = next(reader)["size"]
        return [np.frombuffer(frame, np.uint8).reshape(height, width, 3) for frame in reader]


def test_frames_are_the_reset_state_then_one_per_step_until_the_episode_ends():
    # always pushing left drops the pole after a few steps: the frames stop with the episode
    episode = rollout(make_env("CartPole-v1"), lambda obs: 0, seed=3)
    assert episode.terminated
    frames = episode_frames("CartPole-v1", lambda obs: 0, seed=3)
    assert len(frames) == episode.length + 1
    assert frames[0].shape == (400, 600, 3) and frames[0].dtype == np.uint8
    env = make_env("CartPole-v1", render_mode="rgb_array")
    env.reset(seed=3)
    np.testing.assert_array_equal(frames[0], env.render())


def test_max_steps_caps_an_episode_that_would_run_longer():
    frames = episode_frames("Pendulum-v1", lambda obs: np.zeros(1, np.float32), seed=0, max_steps=5)
    assert len(frames) == 6
    with pytest.raises(ValueError, match="max_steps must be at least 1"):
        episode_frames("Pendulum-v1", lambda obs: np.zeros(1, np.float32), max_steps=0)


def test_env_kwargs_reach_the_env_and_unknown_ids_say_so():
    # without slipping, "down" walks from the start (0) to 4, 8 and into the hole at 12
    frames = episode_frames("FrozenLake-v1", lambda obs: 1, is_slippery=False, max_steps=10)
    assert len(frames) == 4
    big = episode_frames("FrozenLake-v1", lambda obs: 1, map_name="8x8", max_steps=1)
    assert big[0].shape == (512, 512, 3)  # 64 pixels a tile, against 256 for the 4x4 map
    with pytest.raises(UnknownEnvError, match="CartPole-v1"):
        episode_frames("CartPole-v9", balance)


@pytest.mark.parametrize("env_id, policy, max_steps", [
    ("CartPole-v1", balance, 500),
    # random torques make the busiest Pendulum picture, so the largest video
    ("Pendulum-v1", lambda obs, rng=np.random.default_rng(0): rng.uniform(-2, 2, 1).astype(np.float32),
     200),
])
def test_a_full_episode_video_is_embedded_within_the_budget(env_id, policy, max_steps):
    video = episode_video(env_id, policy, seed=0, max_steps=max_steps)
    mp4 = embedded_mp4(video)
    assert mp4[4:8] == b"ftyp"  # an mp4 container
    assert len(video._repr_html_()) <= VIDEO_BUDGET_BYTES + 200  # the base64 plus its <video> tag
    frames = decoded_frames(mp4)
    assert len(frames) == max_steps + 1  # neither episode ends early: nothing dropped


def test_the_same_episode_gives_the_same_bytes():
    # so a stored video cell passes nbval's comparison of its output
    first = episode_video("CartPole-v1", balance, seed=1, max_steps=60)
    second = episode_video("CartPole-v1", balance, seed=1, max_steps=60)
    assert embedded_mp4(first) == embedded_mp4(second)


def moving_square(n_frames=12, height=48, width=64):
    """A red square sliding over a grey-blue gradient: small, synthetic, the same everywhere."""
    frames = np.zeros((n_frames, height, width, 3), np.uint8)
    frames[..., 1] = np.linspace(0, 200, width, dtype=np.uint8)
    frames[..., 2] = 120
    for t in range(n_frames):
        frames[t, 10:26, 4 * t:4 * t + 16] = (230, 20, 20)
    return frames


def _encode_on_cpus(cpus: set[int]) -> str:
    """sha256 of a video encoded in a fresh process that may use only ``cpus``."""
    code = ("import hashlib, sys; sys.path.insert(0, sys.argv[1]); "
            "from test_rendering import moving_square; from rlcourse.rendering import encode_mp4; "
            "print(hashlib.sha256(encode_mp4(moving_square(40, 96, 128))).hexdigest())")
    result = subprocess.run([sys.executable, "-c", code, os.path.dirname(__file__)],
                            preexec_fn=lambda: os.sched_setaffinity(0, cpus),
                            capture_output=True, text=True, timeout=120, check=True)
    return result.stdout.strip()


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs Linux and two CPUs")
def test_the_bytes_do_not_depend_on_the_number_of_cores():
    # x264 picks its thread count from the cores it may use, and the bitstream follows the thread
    # count; a stored video must not change on a machine with more cores, so x264 gets one thread
    cpus = sorted(os.sched_getaffinity(0))
    assert _encode_on_cpus({cpus[0]}) == _encode_on_cpus(set(cpus))


def test_colour_conversion_matches_bt601_by_hand():
    frame = np.zeros((2, 4, 3), np.uint8)
    frame[:, :2] = (255, 0, 0)  # a red 2x2 block beside a white one
    frame[:, 2:] = 255
    y, u, v = rgb_to_yuv420(frame)
    # Y = 16 + (66 R + 129 G + 25 B + 128) / 256; U, V from the block's mean colour
    np.testing.assert_array_equal(y, [[82, 82, 235, 235], [82, 82, 235, 235]])
    np.testing.assert_array_equal(u, [[90, 128]])
    np.testing.assert_array_equal(v, [[240, 128]])


def test_encoding_keeps_the_frames_and_their_size():
    frames = episode_frames("Pendulum-v1", lambda obs: np.ones(1, np.float32), max_steps=20)
    decoded = decoded_frames(encode_mp4(frames, fps=10))
    assert len(decoded) == 21
    assert decoded[0].shape == (500, 500, 3)
    # lossy, but close: the mean absolute pixel error is a few levels out of 255
    assert np.abs(decoded[5].astype(int) - frames[5].astype(int)).mean() < 5


def test_a_video_over_budget_is_reencoded_smaller_until_it_fits():
    noise = np.random.default_rng(0).integers(0, 256, (30, 200, 300, 3), dtype=np.uint8)
    mp4 = encode_mp4(noise)  # noise does not compress: far over a 100 kB budget
    assert stored_size(mp4) > 100_000
    fitted = fit_budget(mp4, budget=100_000)
    assert stored_size(fitted) <= 100_000
    assert decoded_frames(fitted)[0].shape[1] < 300  # a smaller picture
    assert fit_budget(fitted, budget=100_000) == fitted  # within budget: untouched
    with pytest.raises(ValueError, match="over the budget of 100"):
        fit_budget(mp4, budget=100)
    with pytest.raises(ValueError, match="no frames"):
        encode_mp4([])


def test_videos_need_no_display():
    env = {key: value for key, value in os.environ.items()
           if key not in {"DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"}}
    code = ("from rlcourse.rendering import episode_video; "
            "v = episode_video('CartPole-v1', lambda obs: 1, max_steps=20); print(len(v.data))")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 1000


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STORED_NOTEBOOKS = sorted(
    os.path.relpath(os.path.join(folder, name), ROOT)
    for top in ("notebooks", "exercises", "tests/browser") for folder, _, names in os.walk(os.path.join(ROOT, top))
    for name in names if name.endswith(".ipynb") and ".ipynb_checkpoints" not in folder)


def stored_videos(path: str) -> list[int]:
    """Stored size (base64 characters) of each mp4 embedded in a notebook's outputs."""
    import nbformat

    sizes = []
    for cell in nbformat.read(os.path.join(ROOT, path), as_version=4).cells:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html", "")
            html = "".join(html) if isinstance(html, list) else html
            sizes += [len(match) for match in re.findall(r"data:video/mp4;base64,([^\"']+)", html)]
    return sizes


@pytest.mark.parametrize("path", STORED_NOTEBOOKS)
def test_every_video_stored_in_a_notebook_is_within_the_budget(path):
    assert all(size <= VIDEO_BUDGET_BYTES for size in stored_videos(path)), (
        f"{path}: stored videos of {stored_videos(path)} bytes; the budget is {VIDEO_BUDGET_BYTES} "
        "(use rlcourse.rendering.episode_video, which keeps to it)")
