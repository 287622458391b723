#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_manpages.py [RESULTS_DIR]: the man pages in docs/ say what the
programs do (the binaries: INSTALLER, MKISOTOOL, GUEST_AGENT, default the
host build).

For the installer and each of its subcommands, mkisotool and each of its
subcommands, and guest-agent: the options of the command's SYNOPSIS and of
its OPTIONS entries (installer.8: the entries marked "(install)" and so
on, or unmarked for every subcommand; mkisotool.1: its ".SS command"
subsection) are exactly those its --help lists, short and long forms of
one option counting as one. A SYNOPSIS that ends in [OPTIONS] may name
fewer. Every synopsis line starts a line of its own (.br before it), and
every page in docs/ renders with `groff -ww -z -man` without a warning.
"""
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import harness  # noqa: E402
from harness import check  # noqa: E402

DOCS = os.path.join(REPO, "docs")
BIN = {
    "installer": os.environ.get("INSTALLER", os.path.join(REPO, "build/host/installer")),
    "mkisotool": os.environ.get("MKISOTOOL", os.path.join(REPO, "build/host/mkisotool")),
    "guest-agent": os.environ.get("GUEST_AGENT", os.path.join(REPO, "build/host/guest-agent")),
}
# (page, command words): each is checked against `<command words> --help`.
COMMANDS = [
    ("installer.8", ("installer",)),
    ("installer.8", ("installer", "detect")),
    ("installer.8", ("installer", "install")),
    ("installer.8", ("installer", "verify")),
    ("installer.8", ("installer", "status")),
    ("installer.8", ("installer", "uninstall")),
    ("installer.8", ("installer", "collect")),
    ("installer.8", ("installer", "prepare-hvm")),
    ("mkisotool.1", ("mkisotool",)),
    ("mkisotool.1", ("mkisotool", "build")),
    ("mkisotool.1", ("mkisotool", "verify")),
    ("mkisotool.1", ("mkisotool", "ls")),
    ("mkisotool.1", ("mkisotool", "keygen")),
    ("guest-agent.8", ("guest-agent",)),
]
# Every subcommand takes these; its --help says so, its page need not.
HELP_ONLY = {"-h", "--help"}
OPTION = re.compile(r"(?<![\w./=-])(--?[A-Za-z0-9][A-Za-z0-9-]*)")


def text_of(line):
    """A roff line as plain text: no request, fonts, quotes or escapes."""
    line = re.sub(r"^\.[A-Z]{1,2}\b\s*", "", line)
    line = re.sub(r"\\f[BIRP]|\\f\(..|\\&|\\\(em|\\c", "", line)
    return line.replace("\\-", "-").replace('"', "")


def options_in(text):
    return OPTION.findall(text)


class Aliases:
    """The names of one option ("-y, --yes, -n") over a program's help and
    page: the names listed together with exactly one long form. ("-q, -v"
    are two options; "-d DISTRO -m MAJOR" too.)"""

    def __init__(self):
        self.parent = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            x = self.parent[x]
        return x

    def join(self, names):
        names = list(dict.fromkeys(names))
        if sum(n.startswith("--") for n in names) != 1:
            return
        for n in names[1:]:
            self.parent[self.find(n)] = self.find(names[0])

    def canon(self, names):
        return {self.find(n) for n in names}


def sections(page):
    """{section name: [lines]} of a man page source."""
    out, cur = {}, None
    with open(os.path.join(DOCS, page), encoding="utf-8") as f:
        for line in f.read().splitlines():
            m = re.match(r'^\.SH\s+"?([^"]+)"?', line)
            if m:
                cur = m.group(1).strip()
                out[cur] = []
            elif cur:
                out[cur].append(line)
    return out


def synopsis_blocks(lines):
    """[(command words, options, has [OPTIONS], preceded by .br or first)]."""
    blocks, cur, broke = [], None, True
    for line in lines:
        if line.startswith(".br") or line.startswith(".PP") or line.startswith(".sp"):
            broke = True
            continue
        if re.match(r"^\.(?!(B|I|R)(B|I|R)?\b)", line) or line.startswith('.\\"'):
            continue  # a request that prints nothing (.nh, .hy, a comment)
        t = text_of(line).strip()
        m = re.match(r"^\.B\s+(\S+)(.*)$", line)
        words = t.split()
        if m and words and (words[0] in BIN or "/" in words[0]):
            # A command: the program, then its subcommand if the line names one.
            cmd = [words[0]]
            if len(words) > 1 and re.match(r"^[a-z][a-z-]*$", words[1]):
                cmd.append(words[1])
            cur = {"cmd": tuple(cmd), "opts": options_in(" ".join(words[len(cmd):])),
                   "placeholder": False, "broke": broke}
            blocks.append(cur)
            broke = False
            continue
        broke = False
        if cur is None:
            continue
        cur["opts"] += options_in(t)
        if "OPTION" in t:
            cur["placeholder"] = True
    return blocks


def tp_entries(lines):
    """[(tag options, first body line)] of the .TP entries in @lines, with the
    .SS subsection each is in."""
    out, ss = [], None
    for i, line in enumerate(lines):
        if line.startswith(".SS"):
            ss = text_of(line).strip()
        if line.startswith(".TP") and i + 1 < len(lines):
            tag = options_in(text_of(lines[i + 1]))
            body = text_of(lines[i + 2]) if i + 2 < len(lines) else ""
            if tag:
                out.append((tag, body, ss))
    return out


def help_of(cmd):
    prog = BIN[cmd[0]]
    p = subprocess.run([prog, *cmd[1:], "--help"], capture_output=True, text=True)
    return p.returncode, p.stdout


def help_options(text, aliases):
    """(options of the usage lines and option lines, has [OPTIONS] in usage)."""
    lines = text.splitlines()
    usage, opts, placeholder = [], [], False
    for i, line in enumerate(lines):
        if line.startswith("Usage:"):
            usage.append(line)
            for cont in lines[i + 1:]:
                if not cont.strip() or not cont.startswith(" "):
                    break
                usage.append(cont)
    for u in usage:
        # The program and command words are not options; [OPTION]... is a placeholder.
        if "OPTION" in u:
            placeholder = True
        opts += options_in(u)
    for line in lines:
        m = re.match(r"^\s+(-\S.*?)(?:\s{2,}|$)", line)
        if m:
            names = options_in(m.group(1))
            aliases.join(names)
            opts += names
    return opts, placeholder


def check_page_commands():
    # One set of aliases a program: -d is --daemon to the agent, a distribution
    # to the installer.
    aliases, helps = {}, {}
    for page, cmd in COMMANDS:
        rc, out = help_of(cmd)
        name = " ".join(cmd)
        check(f"{name} --help: exit 0", rc == 0, rc)
        helps[cmd] = help_options(out, aliases.setdefault(page, Aliases()))
    for page in sorted({p for p, _ in COMMANDS}):
        secs = sections(page)
        for tag, _, _ in tp_entries(secs.get("OPTIONS", [])):
            aliases[page].join(tag)
    for page in sorted({p for p, _ in COMMANDS}):
        secs = sections(page)
        blocks = synopsis_blocks(secs.get("SYNOPSIS", []))
        for b in blocks:
            check(f"{page}: synopsis of '{' '.join(b['cmd'])}' starts a line (.br before it)",
                  b["broke"], "it renders on the line of the command before it")
        entries = tp_entries(secs.get("OPTIONS", []))
        subcommands = [c for p, c in COMMANDS if p == page and len(c) > 1]
        al = aliases[page]
        for p, cmd in COMMANDS:
            if p != page:
                continue
            name = " ".join(cmd)
            hopts, _ = helps[cmd]
            want = al.canon(set(hopts) - (HELP_ONLY if len(cmd) > 1 else set()))
            syn = [b for b in blocks if b["cmd"] == cmd]
            if not check(f"{page}: SYNOPSIS has '{name}'", syn, [b["cmd"] for b in blocks]):
                continue
            got = al.canon(set(o for b in syn for o in b["opts"]))
            extra = sorted(got - want)
            check(f"{page}: SYNOPSIS of '{name}': no option --help lacks", not extra, extra)
            if not any(b["placeholder"] for b in syn):
                missing = sorted(want - got)
                check(f"{page}: SYNOPSIS of '{name}' lists every option of --help",
                      not missing, missing)
            if len(cmd) == 1 and subcommands:
                continue  # the program itself: --version and --help, no OPTIONS entries
            mine = []
            for tag, body, ss in entries:
                if subcommands and page == "mkisotool.1":
                    if ss == cmd[1]:
                        mine += tag
                    continue
                if subcommands:
                    m = re.match(r"^\(([a-z, -]+)\)", body.strip())
                    scope = [w.strip() for w in m.group(1).split(",")] if m else \
                        [c[1] for c in subcommands]
                    if cmd[1] in scope:
                        mine += tag
                else:
                    mine += tag
            got = al.canon(set(mine) - (HELP_ONLY if len(cmd) > 1 else set()))
            check(f"{page}: OPTIONS for '{name}' are those of --help",
                  got == want, f"only in the page: {sorted(got - want)}; "
                  f"only in --help: {sorted(want - got)}")


def check_groff():
    if not shutil.which("groff"):
        harness.skip("groff -ww -z -man", "groff is not installed (apt-get install groff)")
        return
    for page in sorted(os.listdir(DOCS)):
        if not re.search(r"\.[1-8]$", page):
            continue
        p = subprocess.run(["groff", "-ww", "-z", "-man", os.path.join(DOCS, page)],
                           capture_output=True, text=True)
        check(f"{page}: groff -ww -z -man renders without warnings",
              p.returncode == 0 and not p.stderr.strip(), p.stderr.strip()[:800])


def main():
    missing = [p for p in BIN.values() if not os.access(p, os.X_OK)]
    if missing:
        for p in missing:
            harness.fail(f"{p} is built", "run make host (or set INSTALLER, MKISOTOOL, "
                         "GUEST_AGENT)")
    else:
        check_page_commands()
    check_groff()
    return harness.finish("manpages", sys.argv[1] if len(sys.argv) > 1 else None)


if __name__ == "__main__":
    sys.exit(main())
