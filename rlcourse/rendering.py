"""Episodes as inline videos, with no display (chapters 00, 04 and 06).

Frames come from ``render_mode="rgb_array"`` (pygame draws into memory; ``rlcourse.envs`` sets
``SDL_VIDEODRIVER=dummy``, so no X server or virtual display is needed) and are encoded to H.264
mp4 by the ffmpeg binary that ships inside the ``imageio-ffmpeg`` wheel. The video is embedded in
the notebook as base64, so it plays in JupyterLab, in a static notebook viewer and in Colab alike.

Size budget: one embedded video stores at most :data:`VIDEO_BUDGET_BYTES` (250 kB) in the
notebook. At full resolution a 500-step CartPole episode stores about 46 kB, a 200-step
Pendulum episode 85 kB (150 kB with random actions, the busiest picture), well inside it. A video that would exceed the budget is re-encoded
at half the resolution and a lower quality (then a quarter, ...) until it fits, so a long or busy
episode makes a smaller picture, never a heavy notebook.

The same frames and policy give byte-identical videos (the encoder is deterministic), so a video
cell's stored output passes nbval's comparison like any other output.

Example:
    >>> from rlcourse.rendering import episode_video
    >>> episode_video("CartPole-v1", lambda obs: int(obs[2] > 0), max_steps=100)  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from rlcourse.envs import make_env

#: Most bytes one embedded video may add to a stored notebook (its base64 text).
VIDEO_BUDGET_BYTES = 250_000

#: Re-encodings tried in turn when a video is over budget: (downscale factor, x264 CRF).
#: Each halves the picture again and compresses harder (CRF 23 is x264's default quality).
SMALLER_ENCODINGS = ((2, 28), (4, 32), (8, 36))


def iter_episode_frames(env_id: str, policy: Callable[[Any], Any], *, seed: int = 0,
                        max_steps: int = 500, **env_kwargs: Any) -> Iterator[np.ndarray]:
    """Yield the rgb frames of one episode, one at a time: the reset state, then one per step.

    The episode stops when the env terminates or truncates, or after ``max_steps`` steps, so
    at most ``max_steps + 1`` frames are yielded. Streaming keeps memory flat: a 600x400 frame
    is 720 kB, and 500 of them held at once would take 360 MB.

    Args:
        env_id: a course env id, e.g. ``"CartPole-v1"`` (any env with ``rgb_array`` rendering).
        policy: maps an observation to an action; pass the greedy policy to show what was learnt.
        seed: the reset seed of the episode.
        max_steps: hard cap on the number of steps shown.
        **env_kwargs: passed to ``gymnasium.make`` (e.g. ``is_slippery=False``).
    """
    if max_steps < 1:
        raise ValueError(f"max_steps must be at least 1, got {max_steps}")
    env = make_env(env_id, render_mode="rgb_array", **env_kwargs)
    try:
        obs, _ = env.reset(seed=seed)
        yield env.render()  # (height, width, 3) uint8
        for _ in range(max_steps):
            obs, _, terminated, truncated, _ = env.step(policy(obs))
            yield env.render()
            if terminated or truncated:
                break
    finally:
        env.close()


def episode_frames(env_id: str, policy: Callable[[Any], Any], *, seed: int = 0,
                   max_steps: int = 500, **env_kwargs: Any) -> list[np.ndarray]:
    """The rgb frames of one episode as a list of ``(height, width, 3)`` uint8 arrays.

    Holds every frame in memory (720 kB each for CartPole); to make a video, prefer
    :func:`episode_video`, which streams them. Arguments as in :func:`iter_episode_frames`.
    """
    return list(iter_episode_frames(env_id, policy, seed=seed, max_steps=max_steps, **env_kwargs))


def encode_mp4(frames: Iterable[np.ndarray], *, fps: int = 30, downscale: int = 1,
               crf: int = 23) -> bytes:
    """Encode rgb frames as an H.264 mp4 (yuv420p, plays in every browser) and return its bytes.

    Args:
        frames: ``(height, width, 3)`` uint8 arrays, all the same size.
        fps: frames per second of the video.
        downscale: keep every ``downscale``-th pixel in each direction (1 = full size).
        crf: x264's constant rate factor: 0 lossless, 23 default, 51 worst.
    """
    import imageio.v2 as imageio

    if fps < 1:
        raise ValueError(f"fps must be at least 1, got {fps}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "episode.mp4"
        # macro_block_size=1: we crop to even sizes ourselves instead of letting imageio resize
        writer = imageio.get_writer(path, fps=fps, codec="libx264", pixelformat="yuv420p",
                                    macro_block_size=1, ffmpeg_log_level="error",
                                    output_params=["-crf", str(crf), "-preset", "medium"])
        count = 0
        try:
            for frame in frames:
                small = np.asarray(frame)[::downscale, ::downscale]
                height, width = small.shape[0] // 2 * 2, small.shape[1] // 2 * 2  # yuv420p: even
                writer.append_data(np.ascontiguousarray(small[:height, :width, :3]))
                count += 1
        finally:
            writer.close()
        if count == 0:
            raise ValueError("no frames to encode")
        return path.read_bytes()


def _transcode(mp4: bytes, *, downscale: int, crf: int) -> bytes:
    """Re-encode an mp4 smaller, with the ffmpeg binary of imageio-ffmpeg."""
    import imageio_ffmpeg

    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "in.mp4", Path(folder) / "out.mp4"
        source.write_bytes(mp4)
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-i", str(source),
                        "-vf", f"scale=trunc(iw/{downscale}/2)*2:trunc(ih/{downscale}/2)*2",
                        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", str(crf),
                        "-preset", "medium", "-an", str(target)], check=True)
        return target.read_bytes()


def stored_size(mp4: bytes) -> int:
    """Bytes an embedded mp4 adds to the stored notebook: its base64 text."""
    return len(base64.b64encode(mp4))


def fit_budget(mp4: bytes, budget: int = VIDEO_BUDGET_BYTES) -> bytes:
    """Return ``mp4`` if it fits the budget, else the first smaller re-encoding that does.

    Raises:
        ValueError: even the smallest encoding is over budget; show fewer steps.
    """
    if stored_size(mp4) <= budget:
        return mp4
    for downscale, crf in SMALLER_ENCODINGS:
        smaller = _transcode(mp4, downscale=downscale, crf=crf)
        if stored_size(smaller) <= budget:
            return smaller
    raise ValueError(f"the video stores {stored_size(smaller)} bytes even at 1/{downscale} size, "
                     f"over the budget of {budget}: pass a smaller max_steps")


def video(mp4: bytes, *, width: int | None = None):
    """An ``IPython.display.Video`` that embeds ``mp4`` (no file, no server), looping, with controls."""
    from IPython.display import Video

    return Video(data=mp4, embed=True, mimetype="video/mp4", width=width,
                 html_attributes="controls loop")


def episode_video(env_id: str, policy: Callable[[Any], Any], *, seed: int = 0, max_steps: int = 500,
                  fps: int = 30, **env_kwargs: Any):
    """Play one episode of ``policy`` and return it as an inline video for the notebook.

    The frames are rendered headless (``render_mode="rgb_array"``), encoded to mp4 as they
    come and embedded, within :data:`VIDEO_BUDGET_BYTES` of stored notebook (see the module
    docstring). Make it the last expression of a cell to show it.

    Args:
        env_id: a course env id, e.g. ``"CartPole-v1"``.
        policy: maps an observation to an action; pass the greedy policy.
        seed: the reset seed of the episode.
        max_steps: hard cap on the steps shown (at 30 fps, 500 steps play for 17 s).
        fps: frames per second.
        **env_kwargs: passed to ``gymnasium.make`` (e.g. ``is_slippery=False``).

    Returns:
        ``IPython.display.Video`` with the mp4 embedded as base64.
    """
    frames = iter_episode_frames(env_id, policy, seed=seed, max_steps=max_steps, **env_kwargs)
    return video(fit_budget(encode_mp4(frames, fps=fps)))
