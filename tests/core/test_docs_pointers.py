"""Every pointer into the design documents names a numbered heading that exists in docs/."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCS = {"design": REPO / "docs" / "design.md", "reference": REPO / "docs" / "reference.md"}
NUMBER = r"\d+(?:\.\d+)*"
POINTER = re.compile(rf"docs/(design|reference)\.md,?\s+(?:sections?\s+)?({NUMBER})(?:\s*(?:,|and)\s*({NUMBER}))?")
# the documents' old names, before they moved into docs/ (spelled in two parts so this file does not match)
OLD = re.compile(r"(?<![\w/.])(" + "DESIGN" + "|" + "REFERENCE" + r")\.md")
HEADING = re.compile(rf"^#{{2,3}} ({NUMBER})\.?\s", re.M)
SKIP = {".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", ".hypothesis"}


def repo_text_files() -> list[Path]:
    """The repository's files (git's view when there is one; datasets written in the checkout are ignored)."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                             capture_output=True, check=True, timeout=60).stdout
        names = [REPO / n for n in out.decode().split("\0") if n]
    except (OSError, subprocess.SubprocessError):
        names = []
        for root, dirs, files in os.walk(REPO):
            dirs[:] = [d for d in dirs if d not in SKIP and not d.endswith(".egg-info")]
            names += [Path(root) / f for f in files]
    keep = {".py", ".md", ".toml", ".txt", ".html", ".js", ".css", ".cfg", ".ini", ".sh", ""}
    return [p for p in names if p.suffix in keep and p.is_file()]


def headings(path: Path) -> set[str]:
    return set(HEADING.findall(path.read_text("utf-8")))


def test_documents_have_the_numbered_sections():
    assert {"1", "2", "2.1", "2.2", "2.3", "2.4", "2.5", "3"} <= headings(DOCS["design"])
    assert {"1", "1.1", "1.2", "1.3", "1.4", "2", "3", "3.1", "3.2", "3.3", "3.4", "4", "4.1", "4.2", "4.3",
            "4.4"} <= headings(DOCS["reference"])


def test_every_pointer_resolves():
    sections = {name: headings(path) for name, path in DOCS.items()}
    found, broken, old = 0, [], []
    for path in repo_text_files():
        try:
            text = path.read_text("utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        rel = path.relative_to(REPO)
        for m in POINTER.finditer(text):
            for number in filter(None, m.group(2, 3)):
                found += 1
                if number not in sections[m[1]]:
                    broken.append(f"{rel}: docs/{m[1]}.md {number}")
        old += [f"{rel}: {m[0]}" for m in OLD.finditer(text)]
    assert found >= 25  # the scan sees the code's pointers (code, help, recipes, tests)
    assert not broken, "pointers to missing sections:\n" + "\n".join(broken)
    assert not old, "pointers to the documents' old names (use docs/design.md, docs/reference.md):\n" + "\n".join(old)


def test_the_check_catches_a_missing_section():
    sections = headings(DOCS["design"])
    m = POINTER.search("see docs/" + "design.md sections 2.3 and 9.9")  # split: not a pointer here
    assert m.group(2, 3) == ("2.3", "9.9") and "2.3" in sections and "9.9" not in sections
    assert OLD.search("(" + "DESIGN" + ".md 2.3)") and not OLD.search("docs/design.md 2.3")
