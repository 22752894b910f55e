"""``goodfit generate RUN``: sample grids, interpolations and latent-space maps as PNG files.

Files go to ``RUN/generated/`` with the settings in their names (``samples-n64-seed0.png``), so
different requests never replace each other; the same request rewrites the same pixels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from goodfit.errors import ConfigError

__all__ = ["generate"]


def generate(run: str | Path, *, n: int = 64, seed: int = 0, interpolate: bool = False, steps: int = 10,
             pair: tuple[int, int] | None = None, latent_maps: bool = True, out: str | Path | None = None,
             data_root: str | None = None) -> dict[str, Path]:
    """Write a grid of ``n`` samples (and, if asked, an interpolation) for a generative run.

    ``interpolate``: for a VAE, between the test images at positions ``pair`` (default: two seeded
    test images of different classes); for a GAN, between two seeded prior samples. For a 2-D
    latent VAE, ``latent_maps`` adds the test set's latent scatter coloured by class and the
    decoded manifold grid. Returns ``{kind: path}``.

    Examples:
        >>> generate("runs/gen-20250101-120000", n=16, interpolate=True)  # doctest: +SKIP
        {'samples': PosixPath('runs/gen-20250101-120000/generated/samples-n16-seed0.png'), ...}
    """
    from goodfit.generative.plots import image_grid, latent_scatter
    from goodfit.generative.sample import interpolate as interpolate_images
    from goodfit.generative.sample import latent_means, load_generator, manifold, sample_images
    from goodfit.models.vae import VAE
    from goodfit.run import atomic_write_bytes

    if n < 1:
        raise ConfigError(f"--n must be >= 1, got {n}")
    gen = load_generator(run)
    folder = Path(out) if out else gen.run_dir / "generated"
    written: dict[str, Path] = {}

    def write(kind: str, name: str, png: bytes) -> None:
        atomic_write_bytes(folder / name, png)
        written[kind] = folder / name

    kind = gen.config.model.name.upper()
    write("samples", f"samples-n{n}-seed{seed}.png",
          image_grid(sample_images(gen.model, n, seed=seed), title=f"{n} {kind} samples (seed {seed})"))
    is_vae = isinstance(gen.model, VAE)
    test = _test_split(gen, data_root) if is_vae and (interpolate or (latent_maps and gen.model.latent == 2)) else None
    if interpolate:
        if test is not None:
            i, j = pair or _two_classes(test.y, seed)
            if not (0 <= i < len(test.y) and 0 <= j < len(test.y)):
                raise ConfigError(f"--pair {i},{j}: test positions must lie in 0..{len(test.y) - 1}")
            images = interpolate_images(gen.model, x_a=test.x[i], x_b=test.x[j], steps=steps)
            title, name = f"test #{i} (class {gen.classes[test.y[i]]}) → test #{j} (class {gen.classes[test.y[j]]})", \
                f"interpolate-{i}-{j}.png"
        else:
            images = interpolate_images(gen.model, steps=steps, seed=seed)
            title = f"between two prior samples (seed {seed}; a GAN has no encoder)"
            name = f"interpolate-seed{seed}.png"
        write("interpolation", name, image_grid(images, cols=steps, title=title, cell_inches=0.7))
    if is_vae and latent_maps and gen.model.latent == 2 and test is not None:
        z = latent_means(gen.model, test.x)
        write("latent", "latent-scatter.png",
              latent_scatter(z, test.y, gen.classes, title="test images: posterior means"))
        grid = image_grid(manifold(gen.model), cols=15, title="decoded 15×15 prior quantiles", cell_inches=0.35)
        write("manifold", "manifold.png", grid)
    return written


def _test_split(gen, data_root: str | None):
    from dataclasses import replace

    from goodfit.data import prepare_data

    cfg = gen.config.data if data_root is None else replace(gen.config.data, root=data_root)
    return prepare_data(cfg).test


def _two_classes(y: np.ndarray, seed: int) -> tuple[int, int]:
    """Two seeded test positions whose labels differ (so the path crosses classes)."""
    rng = np.random.default_rng(seed)
    i = int(rng.integers(len(y)))
    others = np.flatnonzero(y != y[i])
    return i, int(rng.choice(others)) if len(others) else int(rng.integers(len(y)))
