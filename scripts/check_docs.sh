#!/usr/bin/env bash
# Checks the documentation a user reads: the README stays under 25 KB (a user's guide; reference
# pages go in docs/guide/), and every relative link in README.md and docs/ leads to a file that
# exists and, with a #fragment, to a heading of that file.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - <<'PY'
import os, re, sys

def anchors(path):
    found = set()
    in_code = False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not line.startswith("#"):
            continue
        title = line.lstrip("#").strip().lower()
        found.add(re.sub(r"[^a-z0-9 _-]", "", title).replace(" ", "-"))
    return found

status = 0
size = os.path.getsize("README.md")
if size >= 25 * 1024:
    print(f"docs: README.md is {size} bytes (under 25 KB; move reference into docs/guide/)")
    status = 1
pages = ["README.md"] + [os.path.join(d, f) for d, _, fs in os.walk("docs") for f in fs if f.endswith(".md")]
for page in sorted(pages):
    text = open(page, encoding="utf-8").read()
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, fragment = target.partition("#")
        path = os.path.normpath(os.path.join(os.path.dirname(page), file)) if file else page
        if not os.path.exists(path):
            print(f"docs: {page} links to {target}: no such file")
            status = 1
        elif fragment and path.endswith(".md") and fragment not in anchors(path):
            print(f"docs: {page} links to {target}: no heading '{fragment}' there")
            status = 1
sys.exit(status)
PY
