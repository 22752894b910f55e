"""The documentation site builds with ``mkdocs build --strict`` (any warning fails it: a broken link,
a missing anchor, an object the API reference cannot find) and its generated pages are complete."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytest.importorskip("mkdocs", reason="the docs extra (pip install -e '.[docs]') is not installed")
pytest.importorskip("material", reason="the docs extra (pip install -e '.[docs]') is not installed")
pytest.importorskip("mkdocstrings_handlers.python", reason="the docs extra (pip install -e '.[docs]') is not installed")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-6000:]
    return out


def _text(page: Path) -> str:
    """The page's article, tags removed and entities decoded."""
    source = page.read_text(encoding="utf-8")
    article = source[source.find("<article"):source.rfind("</article>")]
    return html.unescape(re.sub(r"<[^>]+>", "", article))


def _commands():
    """(full command name, click command) for every command and group the Typer app registers."""
    import typer.main

    from goodfit.cli import app

    def walk(command, path):
        for name, sub in getattr(command, "commands", {}).items():
            if not getattr(sub, "hidden", False):
                yield " ".join([*path, name]), sub
                yield from walk(sub, [*path, name])

    return list(walk(typer.main.get_command(app), ["goodfit"]))


def test_the_cli_reference_lists_every_command_and_option(site):
    page = (site / "reference" / "cli.html").read_text(encoding="utf-8")
    # one heading per command, <code>goodfit anomaly ovr</code>; its section runs to the next heading
    parts = re.split(r"<h[1-6][^>]*><code>(goodfit[\w -]*)</code>", page)
    sections = dict(zip(parts[1::2], parts[2::2]))
    commands = _commands()
    assert len(commands) > 20  # demo, train, ..., the commands of the anomaly and analog groups
    missing = []
    for name, command in commands:
        if name not in sections:
            missing.append(name)
            continue
        options = [opt for param in command.params if param.param_type_name == "option" and not param.hidden
                   for opt in param.opts if opt.startswith("--")]
        text = html.unescape(sections[name])
        missing += [f"{name} {opt}" for opt in options if not re.search(rf"{re.escape(opt)}(?![\w-])", text)]
    assert not missing, f"not on the CLI reference page: {missing}"


def test_the_api_reference_renders_the_public_api(site):
    import goodfit

    api = site / "reference" / "api"
    pages = {p.stem: p.read_text(encoding="utf-8") for p in api.glob("*.html")}
    for module, name in [("config", "Config"), ("config", "apply_overrides"), ("checks", "check"),
                         ("experiment", "fit"), ("metrics", "accuracy"), ("tasks", "TASKS"),
                         ("watch", "watch"), ("anomaly", "DETECTORS")]:
        assert f'id="goodfit.{module}.{name}"' in pages[module], f"goodfit.{module}.{name}"
    # every name `import goodfit` offers is in the table on the API index page, linked to its entry
    index = (api / "index.html").read_text(encoding="utf-8")
    for name in set(goodfit.__all__) - {"__version__"}:
        assert re.search(rf'<a [^>]*href="[^"]*#goodfit\.[\w.]+\.{name}"', index), name


def test_the_docstrings_read_as_markdown(site):
    """Example sections are code, Sphinx roles are gone (docs/hooks/griffe_docstrings.py)."""
    text = "\n".join(_text(p) for p in (site / "reference" / "api").glob("*.html"))
    assert not re.search(r":(func|class|mod|data|meth|attr):`", text)
    assert ">>> " in text  # doctests are shown...
    for page in (site / "reference" / "api").glob("*.html"):
        assert "<blockquote>\n<blockquote>" not in page.read_text(encoding="utf-8"), page  # ...not as quotes


def test_the_benchmarks_page_is_bench_results(site):
    results = (REPO / "bench" / "RESULTS.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", results, re.MULTILINE)
    text = _text(site / "benchmarks.html")
    assert headings and all(h.replace("`", "") in text for h in headings)
