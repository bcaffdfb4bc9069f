"""Episodes as inline videos, with no display (chapters 00, 04 and 06).

Frames come from ``render_mode="rgb_array"`` (pygame draws into memory; ``rlcourse.envs`` sets
``SDL_VIDEODRIVER=dummy``, so no X server or virtual display is needed) and are encoded to H.264
mp4 by the ffmpeg binary that ships inside the ``imageio-ffmpeg`` wheel. The video is embedded in
the notebook as base64, so it plays in JupyterLab, in a static notebook viewer and in Colab alike.

Size budget: one embedded video stores at most :data:`VIDEO_BUDGET_BYTES` (250 kB) in the
notebook. At full resolution a 500-step CartPole episode stores about 46 kB and a 200-step
Pendulum episode 85 kB (150 kB with random torques, the busiest picture). A video that would
exceed the budget is re-encoded at half the resolution and a lower quality (then a quarter, ...)
until it fits, so a long or busy episode makes a smaller picture, never a heavy notebook.

The same frames give byte-identical videos, run after run and whatever the number of cores (the
colour conversion is integer arithmetic here, and x264 runs on one thread). x264's SIMD code
differs between CPU architectures, though, so on an arm64 laptop the bytes may differ from those
stored on x86-64: give a video cell the tag ``nbval-ignore-output`` so nbval passes everywhere.

Example:
    >>> from rlcourse.rendering import episode_video
    >>> episode_video("CartPole-v1", lambda obs: int(obs[2] > 0), max_steps=100)  # doctest: +SKIP
"""

from __future__ import annotations

import base64
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


def rgb_to_yuv420(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Convert an rgb frame to the planes of yuv420p, BT.601 limited range, in integers.

    Done here rather than by ffmpeg's scaler, whose SIMD code paths may round differently on
    another CPU: integer arithmetic gives the same bytes on every machine.

    Args:
        frame: ``(height, width, 3)`` uint8 with even height and width.

    Returns:
        ``y`` of shape ``(height, width)`` and ``u``, ``v`` of shape ``(height/2, width/2)``, uint8.
    """
    # one contiguous plane per colour: strided arithmetic on (height, width, 3) is 10x slower
    rgb = np.ascontiguousarray(np.moveaxis(frame[..., :3], -1, 0), dtype=np.int32)  # (3, h, w)
    r, g, b = rgb
    y = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16
    # chroma of each 2x2 block from the sum of its 4 pixels (4x the mean; >> 10 divides it back)
    block = rgb[:, 0::2, 0::2] + rgb[:, 1::2, 0::2] + rgb[:, 0::2, 1::2] + rgb[:, 1::2, 1::2]
    r, g, b = block  # each (height/2, width/2)
    u = ((-38 * r - 74 * g + 112 * b + 512) >> 10) + 128
    v = ((112 * r - 94 * g - 18 * b + 512) >> 10) + 128
    return y.astype(np.uint8), u.astype(np.uint8), v.astype(np.uint8)


def _even_crop(frame: np.ndarray) -> np.ndarray:
    height, width = frame.shape[0] // 2 * 2, frame.shape[1] // 2 * 2  # yuv420p needs even sizes
    return frame[:height, :width]


def _encode_planes(planes: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]], *, fps: int,
                   crf: int) -> bytes:
    """Encode yuv420p planes with libx264 and return the mp4's bytes."""
    import imageio_ffmpeg

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "episode.mp4"
        writer = None
        try:
            for y, u, v in planes:
                if writer is None:
                    size = (y.shape[1], y.shape[0])
                    # one x264 thread: the bitstream depends on the thread count, and the default
                    # count follows the machine's cores; bitexact: no version strings in the file
                    writer = imageio_ffmpeg.write_frames(
                        str(path), size, pix_fmt_in="yuv420p", pix_fmt_out="yuv420p", fps=fps,
                        quality=None, codec="libx264", macro_block_size=1,
                        ffmpeg_log_level="error",
                        output_params=["-crf", str(crf), "-preset", "medium", "-threads", "1",
                                       "-fflags", "+bitexact", "-flags:v", "+bitexact"])
                    writer.send(None)
                writer.send(b"".join(np.ascontiguousarray(plane).tobytes() for plane in (y, u, v)))
        finally:
            if writer is not None:
                writer.close()
        if writer is None:
            raise ValueError("no frames to encode")
        return path.read_bytes()


def encode_mp4(frames: Iterable[np.ndarray], *, fps: int = 30, downscale: int = 1,
               crf: int = 23) -> bytes:
    """Encode rgb frames as an H.264 mp4 (yuv420p, plays in every browser) and return its bytes.

    The same frames give the same bytes on any machine (see :func:`rgb_to_yuv420`).

    Args:
        frames: ``(height, width, 3)`` uint8 arrays, all the same size.
        fps: frames per second of the video.
        downscale: keep every ``downscale``-th pixel in each direction (1 = full size).
        crf: x264's constant rate factor: 0 lossless, 23 default, 51 worst.
    """
    if fps < 1:
        raise ValueError(f"fps must be at least 1, got {fps}")
    planes = (rgb_to_yuv420(_even_crop(np.asarray(frame)[::downscale, ::downscale]))
              for frame in frames)
    return _encode_planes(planes, fps=fps, crf=crf)


def _decode_planes(mp4: bytes) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Decode an H.264 mp4 to its yuv420p planes (decoding is bit-exact by the standard)."""
    import imageio_ffmpeg

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.mp4"
        path.write_bytes(mp4)
        reader = imageio_ffmpeg.read_frames(str(path), pix_fmt="yuv420p", bits_per_pixel=12)
        width, height = next(reader)["size"]
        for raw in reader:
            data = np.frombuffer(raw, np.uint8)
            y = data[:width * height].reshape(height, width)
            u, v = data[width * height:].reshape(2, height // 2, width // 2)
            yield y, u, v


def _smaller(mp4: bytes, *, downscale: int, crf: int) -> bytes:
    """Re-encode an mp4 at 1/``downscale`` of its size (every n-th pixel) and CRF ``crf``."""
    def shrink(planes):
        y, u, v = planes
        small_y = _even_crop(y[::downscale, ::downscale])
        height, width = small_y.shape[0] // 2, small_y.shape[1] // 2
        return (small_y, u[::downscale, ::downscale][:height, :width],
                v[::downscale, ::downscale][:height, :width])

    fps = _mp4_fps(mp4)
    return _encode_planes((shrink(planes) for planes in _decode_planes(mp4)), fps=fps, crf=crf)


def _mp4_fps(mp4: bytes) -> int:
    import imageio_ffmpeg

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.mp4"
        path.write_bytes(mp4)
        reader = imageio_ffmpeg.read_frames(str(path))
        meta = next(reader)
        reader.close()
    return max(1, round(meta["fps"]))


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
        smaller = _smaller(mp4, downscale=downscale, crf=crf)
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
        fps: frames per second; grid worlds (FrozenLake, Taxi, CliffWalking) read better at
            ``fps=4``, the ``render_fps`` of their metadata.
        **env_kwargs: passed to ``gymnasium.make`` (e.g. ``is_slippery=False``).

    Returns:
        ``IPython.display.Video`` with the mp4 embedded as base64.
    """
    frames = iter_episode_frames(env_id, policy, seed=seed, max_steps=max_steps, **env_kwargs)
    return video(fit_budget(encode_mp4(frames, fps=fps)))
