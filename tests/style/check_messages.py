#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_messages.py [RESULTS_DIR]: every message the installer, mkisotool
and the agent print is whole on one source line, so that support can grep
the text a customer pastes (docs/HACKING.md, .clang-format's
BreakStringLiterals: false).

A message format is the format argument of a print call: the printf family
(printf, fprintf, dprintf, snprintf, asprintf, syslog), fputs and puts, every
function the sources declare with __attribute__((format(printf, F, V)))
(gt_log, say, note, mk_problem...), and every macro that hands its
arguments on to one of them (gt_err, gt_warn, warn...). Adjacent string
literals may continue a format on the next source line only where the
output itself breaks: the piece before the break ends with "\\n". The same
rule is applied to every other run of adjacent literals in the sources
(messages kept in variables, usage texts, descriptions).

The checker checks itself: a scratch copy of a real source with one
message split mid-sentence must give exactly one finding.
"""
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import harness  # noqa: E402
from harness import check  # noqa: E402

# The programs that print (lib/ never does, but its message texts are
# returned to them: checked too).
DIRS = ("installer", "mkisotool", "payload/agent", "lib")
# Function -> 1-based index of its format argument.
STANDARD = {"printf": 1, "fprintf": 2, "dprintf": 2, "sprintf": 2, "snprintf": 3,
            "asprintf": 2, "vprintf": 1, "vfprintf": 2, "vsnprintf": 3, "syslog": 2,
            "fputs": 1, "puts": 1, "perror": 1}

TOKEN = re.compile(r'''
    (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<string>(?:u8|[uUL])?"(?:\\.|[^"\\\n])*")
  | (?P<char>'(?:\\.|[^'\\\n])*')
  | (?P<ident>[A-Za-z_]\w*)
  | (?P<number>\.?\d[\w.]*)
  | (?P<nl>\n)
  | (?P<space>[ \t\r\f\v]+|\\\n)
  | (?P<punct>.)
''', re.S | re.X)


class Tok:
    __slots__ = ("kind", "text", "line")

    def __init__(self, kind, text, line):
        self.kind, self.text, self.line = kind, text, line


def tokens(text):
    out, line = [], 1
    for m in TOKEN.finditer(text):
        kind, s = m.lastgroup, m.group()
        if kind not in ("comment", "space", "nl"):
            out.append(Tok(kind, s, line))
        line += s.count("\n")
    return out


def args_of(toks, i):
    """The arguments of the call whose "(" is toks[i]: a list of token lists,
    and the index after its ")"."""
    depth, cur, args = 0, [], []
    j = i
    while j < len(toks):
        t = toks[j]
        if t.text in "([{" and t.kind == "punct":
            depth += 1
            if depth > 1:
                cur.append(t)
        elif t.text in ")]}" and t.kind == "punct":
            depth -= 1
            if depth == 0:
                args.append(cur)
                return args, j + 1
            cur.append(t)
        elif t.text == "," and depth == 1:
            args.append(cur)
            cur = []
        else:
            cur.append(t)
        j += 1
    return args, j


def format_functions(files):
    """Functions declared with a printf format attribute, and the macros that
    pass their arguments on to a format function: name -> format index."""
    fmt = dict(STANDARD)
    toks_of = {f: tokens(open(f, encoding="utf-8", errors="replace").read()) for f in files}
    for toks in toks_of.values():
        for i, t in enumerate(toks):
            if t.text != "format" or i + 6 >= len(toks) or toks[i + 2].text != "printf":
                continue
            # format ( printf , F , V )
            try:
                findex = int(toks[i + 4].text)
            except ValueError:
                continue
            # The declared name: the last identifier followed by "(" before the
            # attribute in this declaration, or else the first one after it.
            name = None
            for j in range(i - 1, 0, -1):
                if toks[j].text in (";", "}", "{"):
                    break
                if toks[j].kind == "ident" and toks[j + 1].text == "(" and \
                        toks[j].text != "__attribute__":
                    name = toks[j].text
            if name is None:
                for j in range(i + 8, min(i + 40, len(toks) - 1)):
                    if toks[j].kind == "ident" and toks[j + 1].text == "(":
                        name = toks[j].text
                        break
            if name and findex:
                fmt[name] = findex
    # Macros: "#define NAME(a, b, ...) FUNC(x, y, __VA_ARGS__)".
    changed = True
    while changed:
        changed = False
        for f in files:
            text = open(f, encoding="utf-8", errors="replace").read().replace("\\\n", " ")
            for m in re.finditer(r"^\s*#\s*define\s+(\w+)\(([^)]*)\)(.*)$", text, re.M):
                name, params, body = m.group(1), m.group(2), m.group(3)
                if name in fmt or "__VA_ARGS__" not in body:
                    continue
                named = [p.strip() for p in params.split(",") if p.strip() != "..."]
                bt = tokens(body)
                for k, t in enumerate(bt):
                    if t.kind == "ident" and t.text in fmt and k + 1 < len(bt) and \
                            bt[k + 1].text == "(":
                        cargs, _ = args_of(bt, k + 1)
                        va = [n for n, a in enumerate(cargs, 1)
                              if any(x.text == "__VA_ARGS__" for x in a)]
                        if va and fmt[t.text] >= va[0]:
                            fmt[name] = len(named) + fmt[t.text] - va[0] + 1
                            changed = True
                        break
    return fmt


def split_points(run):
    """Where a run of adjacent literal tokens goes on to the next source line
    without the output breaking there: the token before each such break."""
    bad = []
    for a, b in zip(run, run[1:]):
        if b.line != a.line and not (a.kind == "string" and a.text.endswith('\\n"')):
            bad.append(a)
    return bad


def literal_runs(toks):
    """Maximal runs of adjacent string literals (macros naming a string, like
    GT_MANIFEST_ISO_PATH, count as part of a run they stand inside)."""
    runs, i = [], 0
    while i < len(toks):
        if toks[i].kind != "string":
            i += 1
            continue
        j = i
        run = [toks[i]]
        while j + 1 < len(toks) and (toks[j + 1].kind == "string" or (
                toks[j + 1].kind == "ident" and j + 2 < len(toks) and
                toks[j + 2].kind == "string" and toks[j + 1].text.isupper())):
            j += 1
            run.append(toks[j])
        # A macro right before the first literal ("HEADER " %d") belongs to it.
        if i > 0 and toks[i - 1].kind == "ident" and toks[i - 1].text.isupper() and \
                (i < 2 or toks[i - 2].kind == "punct"):
            run.insert(0, toks[i - 1])
        runs.append(run)
        i = j + 1
    return runs


def scan(path, fmt):
    """(message formats found, findings): findings are (line, text)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        toks = tokens(f.read())
    formats, findings = 0, []
    for i, t in enumerate(toks[:-1]):
        if t.kind != "ident" or t.text not in fmt or toks[i + 1].text != "(":
            continue
        if i > 0 and toks[i - 1].text == "define":
            continue
        args, _ = args_of(toks, i + 1)
        n = fmt[t.text]
        if n > len(args) or not any(x.kind == "string" for x in args[n - 1]):
            continue
        formats += 1
        for run in literal_runs(args[n - 1]):
            for a in split_points(run):
                findings.append((a.line, f"{t.text}() format split after {a.text}"))
    for run in literal_runs(toks):
        for a in split_points(run):
            findings.append((a.line, f"string split after {a.text}"))
    # One finding a line: the print-call and the general rule see the same split.
    seen, unique = set(), []
    for line, what in findings:
        if line not in seen:
            seen.add(line)
            unique.append((line, what))
    return formats, unique


def sources():
    out = []
    for d in DIRS:
        for dirpath, _, files in os.walk(os.path.join(REPO, d)):
            out += [os.path.join(dirpath, f) for f in sorted(files)
                    if f.endswith((".c", ".h"))]
    return sorted(out)


def test_tree(fmt, files):
    total = 0
    for path in files:
        n, findings = scan(path, fmt)
        total += n
        rel = os.path.relpath(path, REPO)
        check(f"{rel}: {n} message formats, each whole on one line", not findings,
              "; ".join(f"{rel}:{line}: {what}" for line, what in findings))
    check(f"message formats found ({total} in {len(files)} files)", total > 300, total)
    for name in ("gt_err", "gt_warn", "gt_info", "gt_debug", "say", "note", "mk_problem",
                 "warn", "fail", "mk_image_bad", "problem"):
        check(f"{name}() is known to print (its format is argument {fmt.get(name)})",
              name in fmt, sorted(fmt))


def test_scratch_copy(fmt):
    """A real message split mid-sentence in a scratch copy: one finding, there."""
    src = os.path.join(REPO, "installer", "cli", "cmd_collect.c")
    with open(src, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r'gt_err\("(%s: already exists): (give --force to replace it)"', text)
    if not check("scratch copy: the message to split is in cmd_collect.c", m, src):
        return
    line = text.count("\n", 0, m.start()) + 1
    split = text[:m.start()] + 'gt_err("' + m.group(1) + ': "\n\t       "' + m.group(2) + \
        '"' + text[m.end():]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cmd_collect.c")
        with open(path, "w", encoding="utf-8") as f:
            f.write(split)
        _, findings = scan(path, fmt)
        _, before = scan(src, fmt)
    check("scratch copy: the original has no finding", not before, before)
    check("scratch copy: the split message is found, on its line",
          [ln for ln, _ in findings] == [line], findings)
    check("scratch copy: as a split print format",
          findings and "gt_err() format split" in findings[0][1], findings)


def main():
    files = sources()
    fmt = format_functions(files)
    test_tree(fmt, files)
    test_scratch_copy(fmt)
    return harness.finish("messages", sys.argv[1] if len(sys.argv) > 1 else None)


if __name__ == "__main__":
    sys.exit(main())
