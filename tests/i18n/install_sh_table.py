# SPDX-License-Identifier: MIT
"""install.sh's message table (scripts/install.sh, msg()): every ID the
script says (say ID) has its English, Japanese and French line, and the
usage text its three versions. Read by tests/i18n/run.py."""
import re

LANGS = ("ja", "fr", "*")


def missing(path):
    """What the table lacks: a list of "LANG:ID" (empty when complete)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    said = set(re.findall(r"^\s*(?:.*[;{]\s*)?say ([a-z_]+)", text, re.M))
    have = set(re.findall(r"^\s*([a-z*]+:[a-z_]+)\)", text, re.M))
    out = [f"{lang}:{i}" for i in sorted(said) for lang in LANGS
           if f"{lang}:{i}" not in have]
    if not said:
        out.append("no 'say ID' call found: the parser is out of date")
    usage = re.search(r"^usage\(\) \{(.*?)^\}", text, re.M | re.S)
    for lang in ("ja", "fr", r"\*"):
        if not usage or not re.search(rf"^\s*{lang}\)\s*\n\s*cat <<'USAGE'", usage.group(1), re.M):
            out.append(f"usage: no {lang.strip(chr(92))} text")
    return out
