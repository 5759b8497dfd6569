"""The README and docs/ travel with the code: no link points outside the repository (the
loopback address of a local install aside), and every relative link names a file or folder
that exists."""
import re
from pathlib import Path
from urllib.parse import unquote

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LOCAL_HOSTS = re.compile(r"^https?://(127\.0\.0\.1|localhost)(:\d+)?(/|$)")

FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1", re.DOTALL)
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEF = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^>\s]+)>")
HTML_LINK = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
BARE_URL = re.compile(r"(?<![(<\w\"'=/])((?:https?|ftp)://[^\s)>\]\"']+|www\.[^\s)>\]\"']+)")


def prose(text: str) -> str:
    """The text a reader follows links in: code blocks and code spans removed."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def links(text: str) -> list[str]:
    body = prose(text)
    found = []
    for pattern in (INLINE_LINK, REFERENCE_DEF, AUTOLINK, HTML_LINK, BARE_URL):
        found += pattern.findall(body)
    return found


def is_outside(target: str) -> bool:
    if LOCAL_HOSTS.match(target):
        return False  # the portal of this install, e.g. http://127.0.0.1:8000
    return bool(re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith(("//", "www.")))


def test_the_link_finder_sees_every_kind_of_link():
    sample = ('[a](https://example.com) <https://example.com/x> <a href="http://e.org">e</a> '
              "http://bare.example\n[ref]: ../shared/spec/cli.md\n[b](../shared/spec/rules.md) `http://in-code`\n"
              "```\nhttps://in-a-block\n```\n[c](docs/cli.md) http://127.0.0.1:8000")
    found = links(sample)
    assert {t for t in found if is_outside(t)} == {
        "https://example.com", "https://example.com/x", "http://e.org", "http://bare.example"}
    assert {"../shared/spec/cli.md", "../shared/spec/rules.md", "docs/cli.md"} <= set(found)
    assert not any("in-code" in t or "in-a-block" in t for t in found)


def test_documents_exist():
    names = {path.relative_to(ROOT).as_posix() for path in DOCUMENTS}
    assert {"README.md", "docs/rules.md", "docs/cli.md"} <= names


def test_no_link_points_outside_the_repository():
    outside = [f"{doc.relative_to(ROOT)}: {target}" for doc in DOCUMENTS
               for target in links(doc.read_text(encoding="utf-8")) if is_outside(target)]
    assert outside == []


def test_every_relative_link_resolves_inside_the_repository():
    broken = []
    for doc in DOCUMENTS:
        for target in links(doc.read_text(encoding="utf-8")):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith(("#", "//", "www.")):
                continue  # not a file of the repository (outside links are the test above)
            path = unquote(target.split("#", 1)[0].split("?", 1)[0])
            resolved = (ROOT / path.lstrip("/")) if path.startswith("/") else (doc.parent / path)
            resolved = resolved.resolve()
            if not resolved.is_relative_to(ROOT.resolve()) or not resolved.exists():
                broken.append(f"{doc.relative_to(ROOT)}: {target}")
    assert broken == []


def test_readme_sends_readers_to_the_references_in_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/rules.md)" in readme and "(docs/cli.md)" in readme
    assert "../shared" not in readme
