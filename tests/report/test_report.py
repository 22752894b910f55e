"""The run report: complete, interrupted, diverged and bare runs; self-contained, escaped HTML."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import goodfit
from goodfit.errors import RunDirError
from goodfit.report import embed_png, fmt_num, fmt_pct, plots, read_run, render, write_report
from goodfit.run import RunDir

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PLOTS = ("loss.png", "accuracy.png", "confusion_matrix.png", "worst_test.png")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real, completed training run on the bundled 8x8 digits (about 2 s)."""
    out = tmp_path_factory.mktemp("runs")
    cfg = goodfit.apply_overrides(goodfit.Config(), ["data.name=digits", "train.epochs=2", f"out_dir={out}"])
    return goodfit.fit(cfg, progress="quiet", report=False).run_dir


@pytest.fixture(scope="module")
def report(run_dir: Path) -> str:
    path = write_report(run_dir)
    assert path == run_dir / "report.html"
    return path.read_text(encoding="utf-8")


def _copy_run(run_dir: Path, dest: Path) -> Path:
    shutil.copytree(run_dir, dest, ignore=shutil.ignore_patterns("checkpoints", "plots", "report.html"))
    return dest


def _assert_self_contained(html: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html.lower() and "<link" not in html.lower()


def _edit_metrics(run: Path, edit) -> dict:
    metrics = json.loads((run / "metrics.json").read_text())
    edit(metrics)
    (run / "metrics.json").write_text(json.dumps(metrics))
    return metrics


# --------------------------------------------------------------------------- complete run


def test_complete_run_writes_plots_and_page(run_dir: Path, report: str) -> None:
    for name in PLOTS:
        assert (run_dir / "plots" / name).read_bytes()[:8] == PNG_MAGIC
    assert report.count("data:image/png;base64,") == len(PLOTS)
    _assert_self_contained(report)
    assert len(report) < 600_000  # small figures: the page stays light


def test_complete_run_key_numbers_against_baselines(run_dir: Path, report: str) -> None:
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert "Status: completed" in report
    assert fmt_pct(metrics["test"]["accuracy"]) in report
    assert fmt_pct(metrics["test"]["f1_macro"]) in report
    assert fmt_pct(metrics["valid"]["accuracy"]) in report
    b = metrics["baselines"]
    for text in ("Majority class", "Untrained model", "Chance", fmt_pct(b["majority"]["accuracy"]),
                 fmt_pct(b["untrained"]["accuracy"]), fmt_num(b["untrained"]["loss"]),
                 fmt_num(math.log(10))):
        assert text in report
    assert "The test set was evaluated 1 time." in report


def test_complete_run_tables_config_and_environment(run_dir: Path, report: str) -> None:
    per_class = report.split("Per class (test set)")[1].split("</table>")[0]
    assert per_class.count("<tr>") == 1 + 10  # header + one row per digit
    assert "name: digits" in report and "epochs: 2" in report  # the config, as YAML
    assert "meta:" not in report  # the meta block is shown as the environment instead
    rf = read_run(run_dir)
    assert rf.meta["versions"]["torch"] in report
    if rf.meta.get("git_commit"):
        assert rf.meta["git_commit"] in report


def test_test_set_looked_at_twice_is_a_warning(run_dir: Path, tmp_path: Path) -> None:
    run = _copy_run(run_dir, tmp_path / "run")
    _edit_metrics(run, lambda m: m["test_evaluations"].append({"when": "later", "by": "goodfit evaluate"}))
    html = write_report(run).read_text()
    assert "The test set was evaluated 2 times." in html
    assert re.search(r'class="box warn" id="test-evaluations"', html)
    assert "goodfit evaluate" in html


# --------------------------------------------------------------------------- partial runs


def test_test_time_views_are_named_under_the_curves(run_dir: Path, report: str, tmp_path: Path) -> None:
    import yaml

    run = _copy_run(run_dir, tmp_path / "run")
    config = yaml.safe_load((run / "config.yaml").read_text())
    config["train"]["tta"] = "flip"
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    note = "the numbers after training average the views of train.tta=flip"
    assert write_report(run).read_text().count(note) == 2  # under the loss and the accuracy curves
    assert "numbers after training average" not in report  # train.tta=none: the curves and numbers agree


def test_interrupted_run_without_test_or_predictions(run_dir: Path, tmp_path: Path) -> None:
    run = _copy_run(run_dir, tmp_path / "run")
    (run / "predictions.npz").unlink()

    def interrupt(m: dict) -> None:
        for key in ("test", "valid", "test_evaluations", "baselines"):
            m.pop(key)
        m.update(status="interrupted", message="interrupted after epoch 1; resume with --resume X")

    _edit_metrics(run, interrupt)
    html = write_report(run).read_text()
    assert "Status: interrupted" in html and "resume with --resume X" in html
    assert "The test set was evaluated 0 times." in html
    assert (run / "plots" / "loss.png").is_file() and (run / "plots" / "accuracy.png").is_file()
    assert not (run / "plots" / "confusion_matrix.png").exists()
    assert not (run / "plots" / "worst_test.png").exists()
    _assert_self_contained(html)


def test_diverged_run_with_nan_losses(run_dir: Path, tmp_path: Path) -> None:
    run = _copy_run(run_dir, tmp_path / "run")
    (run / "predictions.npz").unlink()

    def diverge(m: dict) -> None:
        for key in ("test", "valid", "test_evaluations", "baselines"):
            m.pop(key)
        m.update(status="diverged", message="loss is nan at step 7")

    _edit_metrics(run, diverge)
    history = RunDir(run).read_history()
    history.append({**history[-1], "epoch": 3, "train_loss": float("nan"), "valid_loss": float("inf")})
    RunDir(run).write_history(history)
    html = write_report(run).read_text()
    assert "Status: diverged" in html and "loss is nan at step 7" in html
    assert 'class="box bad"' in html
    assert (run / "plots" / "loss.png").read_bytes()[:8] == PNG_MAGIC


def test_run_with_only_config(run_dir: Path, tmp_path: Path) -> None:
    run = tmp_path / "bare"
    run.mkdir()
    shutil.copy(run_dir / "config.yaml", run / "config.yaml")
    html = write_report(run).read_text()
    assert "Status: incomplete" in html and "No metrics.json" in html
    assert "The test set was evaluated 0 times." in html
    assert "name: digits" in html and "git commit" in html
    assert "data:image/png" not in html
    _assert_self_contained(html)


def test_not_a_run_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RunDirError, match="config.yaml"):
        write_report(tmp_path)


def test_findings_are_rendered_and_escaped(run_dir: Path, tmp_path: Path) -> None:
    run = _copy_run(run_dir, tmp_path / "run")
    findings = [{"id": "unscaled-inputs", "severity": "warning",
                 "message": "inputs are <script>alert(1)</script>", "fix": "set data.scaling=standardize"},
                {"id": "lr-high", "severity": "error", "message": "loss rose", "fix": None}]
    (run / "findings.json").write_text(json.dumps(findings))
    html = write_report(run).read_text()
    assert "<h2>Findings</h2>" in html and "unscaled-inputs" in html
    assert "set data.scaling=standardize" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert 'class="box bad"><span class="tag">error' in html


def test_no_findings_section_without_file(run_dir: Path, tmp_path: Path) -> None:
    run = _copy_run(run_dir, tmp_path / "run")
    (run / "findings.json").unlink(missing_ok=True)  # runs from before the guardrails had none
    assert "Findings" not in write_report(run).read_text()


# --------------------------------------------------------------------------- helpers and plots


def test_embed_png_and_render_escape() -> None:
    assert embed_png(b"\x89PNG") == "data:image/png;base64,iVBORw=="
    assert "<title>&lt;b&gt; &amp; co</title>" in render("base.html", title="<b> & co")


def test_number_formatting() -> None:
    assert fmt_pct(0.5) == "50.0 %" and fmt_pct(None) == "—" and fmt_pct(float("nan")) == "—"
    assert fmt_num(2.302585) == "2.303" and fmt_num(float("inf")) == "inf" and fmt_num("x") == "—"


def test_image_for_display_colour_and_gray() -> None:
    rgb = np.stack([np.full((4, 5), v, dtype=np.uint8) for v in (10, 60, 110)])  # (3, 4, 5)
    arr, cmap = plots.image_for_display(rgb)
    assert arr.shape == (4, 5, 3) and cmap is None
    assert arr.min() == 0.0 and arr.max() == 1.0
    gray, cmap = plots.image_for_display(np.zeros((1, 6, 7), dtype=np.float32))
    assert gray.shape == (6, 7) and cmap == "gray"


def test_worst_grid_colour_images_and_large_confusion_matrix() -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(7, 3, 8, 8), dtype=np.uint8)
    png = plots.worst_images_grid(images, [0] * 7, [1] * 7, [0.9] * 7, ["cat", "dog"])
    assert png[:8] == PNG_MAGIC
    cm = rng.integers(0, 5, size=(30, 30))
    assert plots.confusion_matrix_plot(cm, [f"c{i}" for i in range(30)])[:8] == PNG_MAGIC
