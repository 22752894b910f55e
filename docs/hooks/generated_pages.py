"""MkDocs hook: the pages that are written at build time, so that none of them goes stale.

- ``reference/cli.md``: the command line reference, rendered by Typer's own docs generator
  (``typer goodfit.cli.commands utils docs``) from the app in ``goodfit.cli.commands``: every command, every option.
  It is a virtual page: nothing is written under docs/.
- ``<!-- goodfit.__all__ -->`` in a page is replaced by a table of the names ``import goodfit``
  offers, read from ``_EXPORTS`` in src/goodfit/__init__.py (the lazy loader's map: module -> names), each linked
  to its entry in the API reference: a name the reference does not render fails the strict build.
- ``<!-- include: PATH -->`` in a page (PATH relative to the repository root) is replaced by that
  file's text: ``docs/benchmarks.md`` shows ``bench/RESULTS.md``. The included file's relative links
  are rewritten for the page (see :func:`_rewrite_links`), since links that leave docs/ do not exist
  on the site.
"""

from __future__ import annotations

import ast
import logging
import os
import posixpath
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.hooks.generated_pages")

CLI_PAGE = "reference/cli.md"
CLI_INTRO = (
    "Generated from the Typer app in `goodfit.cli.commands` each time the site is built "
    "(`typer goodfit.cli.commands utils docs`). `goodfit COMMAND --help` prints the same.\n\n"
)
INCLUDE = re.compile(r"^<!-- include: (?P<path>\S+) -->[ \t]*$", re.MULTILINE)
LINK = re.compile(r"(?<!!)\[(?P<text>[^\]]+)\]\((?P<target>[^)\s]+)\)")
# where the README's sections went (README anchor -> page under docs/), for links to them in
# included files, such as bench/RESULTS.md's to "README § 7"
README_ANCHORS = {
    "": "index.md",
    "set-up": "getting-started.md",
    "a-five-minute-tour": "tour/explore.md",
    "1-explore-the-data-first": "tour/explore.md",
    "2-train": "tour/train.md",
    "tasks-classes-a-yesno-a-number-an-image": "tour/tasks.md",
    "guardrails-checked-like-a-careful-teacher-would": "tour/guardrails.md",
    "tune-search-on-validation-test-once": "tour/tune.md",
    "3-evaluate-and-report": "tour/evaluate.md",
    "4-predict": "tour/predict.md",
    "5-draw-a-digit-in-the-browser": "tour/serve.md",
    "6-train-for-an-analog-chip": "tour/analog.md",
    "7-generative-models-and-anomaly-detection": "tour/generative-anomaly.md",
    "python-api": "reference/api/index.md",
    "architecture": "architecture.md",
    "development": "development.md",
}
# repository files included in a page -> that page (links to them go to the page)
INCLUDED_AT = {"bench/RESULTS.md": "benchmarks.md", "bench/README.md": "benchmarks-howto.md"}


def _root(config) -> Path:
    return Path(config.config_file_path).resolve().parent


def _cli_markdown(root: Path) -> str:
    """Typer's Markdown for the whole app, run in a subprocess of this interpreter (the documented
    ``typer MODULE utils docs`` interface; it imports goodfit.cli.commands, which does not import torch)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cli.md"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(root / "src"),
                                                                         os.environ.get("PYTHONPATH")])))
        cmd = [sys.executable, "-m", "typer", "goodfit.cli.commands", "utils", "docs", "--name", "goodfit",
               "--title", "Command line reference", "--output", str(out)]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=root, env=env, timeout=120)
        if proc.returncode != 0 or not out.exists():
            raise PluginError(f"the CLI reference could not be generated ({' '.join(cmd[1:])}):\n"
                              f"{proc.stdout}{proc.stderr}")
        text = out.read_text(encoding="utf-8")
    title, _, body = text.partition("\n\n")
    return f"{title}\n\n{CLI_INTRO}{_link_subcommands(body)}"


def _link_subcommands(markdown: str) -> str:
    """Each group's list of commands (``* `ovr`: ...``) linked to the commands' sections."""
    lines, group, in_commands = [], "goodfit", False
    for line in markdown.splitlines():
        heading = re.match(r"^#+ `(goodfit[^`]*)`$", line)
        if heading:
            group, in_commands = heading.group(1), False
        elif line == "**Commands**:":
            in_commands = True
        elif in_commands and (item := re.match(r"^\* `([\w-]+)`", line)):
            anchor = f"{group} {item.group(1)}".replace(" ", "-")  # the heading's id, as toc makes it
            line = f"* [`{item.group(1)}`](#{anchor}){line[item.end():]}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def on_files(files, config):
    files.append(File.generated(config, CLI_PAGE, content=_cli_markdown(_root(config))))
    return files


def _rewrite_links(text: str, source: str, page: str) -> str:
    """Relative links of ``source`` (a repository path), made right for ``page`` (a docs/ path):
    a file under docs/ becomes a link to its page, a README section a link to the page it moved
    to, any other file its plain name (it is not on the site)."""
    page_dir = posixpath.dirname(page)

    def fix(match: re.Match) -> str:
        text, target = match.group("text"), match.group("target")
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith(("#", "/")):
            return match.group(0)  # a URL, an anchor on the same page, an absolute path
        path, _, anchor = target.partition("#")
        repo_path = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
        if repo_path.startswith("docs/"):
            new = posixpath.relpath(repo_path[len("docs/"):], page_dir or ".")
            return f"[{text}]({new}{'#' + anchor if anchor else ''})"
        if repo_path == "README.md":
            moved = README_ANCHORS.get(anchor)
            if moved is None:
                log.warning("%s links README.md#%s, a section the site does not know: add it to "
                            "README_ANCHORS in docs/hooks/generated_pages.py", source, anchor)
                return text
            return f"[{text}]({posixpath.relpath(moved, page_dir or '.')})"
        if repo_path.startswith("bench/") and repo_path in INCLUDED_AT:
            return f"[{text}]({posixpath.relpath(INCLUDED_AT[repo_path], page_dir or '.')}"\
                   f"{'#' + anchor if anchor else ''})"
        return f"{text} (`{repo_path}`)"

    return LINK.sub(fix, text)


def _exports_table(root: Path) -> str:
    """A Markdown table, one row per defining module, from the ``_EXPORTS`` literal (module -> names; read,
    not imported)."""
    init = root / "src" / "goodfit" / "__init__.py"
    exports = None
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in targets):
                exports = ast.literal_eval(node.value)
    if not exports:
        raise PluginError(f"{init}: no _EXPORTS dict (module -> public names) to list the public API from")
    rows = [f"| `{module}` | {', '.join(f'[`{n}`][{module}.{n}]' for n in names)} |"
            for module, names in exports.items()]
    return "\n".join(["| defined in | names on `goodfit` |", "|---|---|", *rows])


def on_page_markdown(markdown, page, config, files):
    root = _root(config)
    if "<!-- goodfit.__all__ -->" in markdown:
        markdown = markdown.replace("<!-- goodfit.__all__ -->", _exports_table(root))
    if "<!-- include: " not in markdown:
        return markdown

    def include(match: re.Match) -> str:
        source = match.group("path")
        path = root / source
        if not path.is_file():
            raise PluginError(f"{page.file.src_uri}: included file {source} does not exist")
        text = path.read_text(encoding="utf-8")
        if re.search(r"^# ", markdown, re.MULTILINE) and text.startswith("# "):
            text = text.partition("\n")[2]  # the page has its title already
        return _rewrite_links(text, source, page.file.src_uri)

    return INCLUDE.sub(include, markdown)


def on_serve(server, config, builder):
    """``mkdocs serve`` rebuilds when an included file or the package (CLI, docstrings) changes."""
    root = _root(config)
    for folder in sorted({posixpath.dirname(path) for path in INCLUDED_AT} | {"src/goodfit"}):
        server.watch(str(root / folder))
    return server
