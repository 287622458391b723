#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The languages of the human output (docs/HACKING.md, "Languages").

Usage: INSTALLER=build/installer GUEST_AGENT=build/guest-agent \\
           tests/i18n/run.py [SUITE RESULTS_DIR | --coverage-only]

1. msgfmt --check on po/ja.po and po/fr.po (formats, header).
2. Coverage: the messages extracted afresh from the sources (make
   po-extract, the keywords of po/build.mk) each have a translation, not
   fuzzy, in both catalogs; scripts/install.sh's table too.
3. The installer under LANG=ja_JP.UTF-8 and fr_FR.UTF-8: detect, install
   --dry-run, a refused install (exit 14), verify after a real install:
   translated words on the human output, and --json byte-identical to the
   English run. LANG=ja_JP.eucJP gives English (and -v says why).
4. guest-agent --help and --check (tests/agent's xenstore server), install.sh's
   refusals, in each language.
--coverage-only (make po-update): step 2 only, a report, no results file.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import harness  # noqa: E402
from harness import check  # noqa: E402
import po2c  # noqa: E402

INSTALLER = os.environ.get("INSTALLER", os.path.join(REPO, "build", "installer"))
AGENT = os.environ.get("GUEST_AGENT", os.path.join(REPO, "build", "guest-agent"))
FIXTURES = os.path.join(REPO, "tests", "fixtures")
LANGS = {"ja": "ja_JP.UTF-8", "fr": "fr_FR.UTF-8"}
EXIT_OK, EXIT_NOT_XEN = 0, 14


def env_for(lang):
    """A clean environment: no LC_* from the caller, LANG as given."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LC_") and k not in ("LANG", "LANGUAGE")}
    if lang:
        env["LANG"] = lang
    return env


def run(args, lang=None, **kw):
    return subprocess.run(args, capture_output=True, env=env_for(lang), timeout=120, **kw)


def missing_translations(pot, pos):
    """{lang: [msgid...]} of the msgids of @pot without a usable translation."""
    ids = [e["msgid"] for e in po2c.read_po(pot)]
    out = {}
    for lang, path in pos.items():
        have = po2c.translations(path)
        out[lang] = [m for m in ids if m not in have]
    return ids, out


def extract(tmp):
    pot = os.path.join(tmp, "fresh.pot")
    p = subprocess.run(["make", "--no-print-directory", "-s", "-C", REPO, "po-extract",
                        f"POT_OUT={pot}"], capture_output=True, text=True)
    return pot if p.returncode == 0 else None, p.stderr


def coverage_only():
    tmp = tempfile.mkdtemp(prefix="gt-i18n-")
    try:
        pot, err = extract(tmp)
        if not pot:
            print(f"po: cannot extract the messages: {err}")
            return 1
        ids, missing = missing_translations(pot, {l: os.path.join(REPO, "po", f"{l}.po")
                                                  for l in LANGS})
        rc = 0
        for lang, m in missing.items():
            print(f"po/{lang}.po: {len(ids) - len(m)} of {len(ids)} messages translated")
            for msgid in m:
                print(f"  untranslated or fuzzy: {msgid!r}")
            rc |= bool(m)
        return rc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_catalogs(tmp):
    if not shutil.which("msgfmt") or not shutil.which("xgettext"):
        harness.skip("catalogs", "gettext (msgfmt, xgettext) is not installed (make deps-check)")
        return
    for lang in LANGS:
        path = os.path.join(REPO, "po", f"{lang}.po")
        p = subprocess.run(["msgfmt", "--check", "-o", os.devnull, path],
                           capture_output=True, text=True)
        check(f"msgfmt --check po/{lang}.po", p.returncode == 0, p.stderr)
    pot, err = extract(tmp)
    if not check("the messages extract (make po-extract)", pot, err):
        return
    ids, missing = missing_translations(pot, {l: os.path.join(REPO, "po", f"{l}.po")
                                              for l in LANGS})
    check("messages extracted from the sources", len(ids) >= 150, len(ids))
    for lang, m in missing.items():
        check(f"po/{lang}.po translates every message ({len(ids) - len(m)}/{len(ids)})",
              not m, "untranslated or fuzzy (make po-update, then translate):\n" +
              "\n".join(repr(x) for x in m[:40]))
    # The seed pages' words (/work/shared/seeds: the provider's pages).
    ja = po2c.translations(os.path.join(REPO, "po", "ja.po"))
    fr = po2c.translations(os.path.join(REPO, "po", "fr.po"))
    check("ja: the vocabulary of the provider's pages",
          any("仮想化ドライバー" in t for t in ja.values()) and
          any("管理エージェント" in t for t in ja.values()) and
          any("PVHVM" in t for t in ja.values()), "")
    check("fr: the vocabulary of the provider's pages",
          any("pilote PV" in t or "pilotes PV" in t for t in fr.values()) and
          any("agent de gestion" in t for t in fr.values()), "")


def text(p):
    return p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


# What each language must show, per command: words only the translation has.
DETECT_WORDS = {"ja": ["ディストリビューション:", "仮想化:"],
                "fr": ["Distribution :", "Virtualisation :"]}


def test_detect():
    for name in ("xen-pvhvm", "xen-hvm-rhel-dracut", "kvm-emulated-ide-e1000"):
        root = os.path.join(FIXTURES, name)
        en = run([INSTALLER, "detect", "--root", root])
        en_json = run([INSTALLER, "detect", "--root", root, "--json"])
        check(f"detect {name}: English", en.returncode == EXIT_OK and
              b"Distribution:   " in en.stdout, text(en))
        for lang, loc in LANGS.items():
            p = run([INSTALLER, "detect", "--root", root], loc)
            out, err = text(p)
            check(f"detect {name} {loc}: translated", p.returncode == en.returncode and
                  all(w in out for w in DETECT_WORDS[lang]) and "Distribution:   " not in out,
                  out + err)
            j = run([INSTALLER, "detect", "--root", root, "--json"], loc)
            check(f"detect {name} {loc}: --json byte-identical to English",
                  j.returncode == en_json.returncode and j.stdout == en_json.stdout and
                  j.stdout.isascii(), j.stderr)
    root = os.path.join(FIXTURES, "xen-pvhvm")
    en = run([INSTALLER, "detect", "--root", root])
    for loc in ("ja_JP.eucJP", "ja_JP", "fr_FR.ISO-8859-1", "C", "POSIX"):
        p = run([INSTALLER, "detect", "--root", root], loc)
        check(f"detect LANG={loc}: English", p.stdout == en.stdout, text(p))
    p = run([INSTALLER, "detect", "-v", "--root", root], "ja_JP.eucJP")
    check("detect -v LANG=ja_JP.eucJP: says why English",
          b"messages in English: LANG=ja_JP.eucJP: its codeset is not UTF-8" in p.stderr,
          text(p))
    p = run([INSTALLER, "detect", "--root", root], "ja_JP.eucJP")
    check("detect LANG=ja_JP.eucJP without -v: nothing said", p.stderr == b"", text(p))
    env = env_for("fr_FR.UTF-8")
    env["LC_ALL"] = "ja_JP.UTF-8"
    p = subprocess.run([INSTALLER, "detect", "--root", root], capture_output=True, env=env)
    check("LC_ALL wins over LANG", "ディストリビューション:" in text(p)[0], text(p))
    env["LC_ALL"] = "C"
    p = subprocess.run([INSTALLER, "detect", "--root", root], capture_output=True, env=env)
    check("LC_ALL=C wins over LANG=fr: English", p.stdout == en.stdout, text(p))
    env = env_for("C")
    env["LC_MESSAGES"] = "fr_CA.UTF-8"
    p = subprocess.run([INSTALLER, "detect", "--root", root], capture_output=True, env=env)
    check("LC_MESSAGES=fr_CA.UTF-8 over LANG=C: French", "Virtualisation :" in text(p)[0],
          text(p))


HELP_WORDS = {"ja": "使い方", "fr": "Utilisation"}


# English words of detect's findings (evidence, reasons, device notes, the
# family's evidence, the enumerated words) that a Japanese reader must not
# meet: paths, identifiers and driver names stay, these words do not.
ENGLISH_FRAGMENTS = ["carries", "carry", "the root", "default route", " names ",
                     "no driver", "driven by", "emulated", "full", "partial", "none",
                     "not loaded", "exists", "unknown", "state ", "controller",
                     "installer's table", "via ", "not in use", "driver ", "NIC (",
                     "passthrough", "ignored", "does not", "disk ", " mode", "HVM signs"]


def test_detect_findings():
    """detect -v on every Xen fixture: no English fragment in Japanese, JSON unchanged."""
    roots = sorted(d for d in os.listdir(FIXTURES) if d.startswith("xen-"))
    check("Xen fixtures to read", len(roots) >= 10, roots)
    for name in roots:
        root = os.path.join(FIXTURES, name)
        en_json = run([INSTALLER, "detect", "--root", root, "--json"])
        ja = run([INSTALLER, "detect", "-v", "--root", root], LANGS["ja"])
        out, err = text(ja)
        # A PV guest's report has the --pv-to-hvm checks too: their heading
        # and states are translated, their evidence and fixes stay English
        # in this release (installer(8)), so the words are looked for in
        # what comes before and after that section.
        head, sep, p2h = out.partition("PV から HVM:")
        findings = head + "".join(l for l in p2h.splitlines(True)
                                  if l.startswith("  根拠:"))
        left = [w for w in ENGLISH_FRAGMENTS if w in findings]
        check(f"detect -v {name} ja_JP.UTF-8: no English fragment in the findings",
              ja.returncode == en_json.returncode and "根拠:" in findings and not left
              and "PV to HVM:" not in out, f"left: {left}\n{out}{err}")
        ja_json = run([INSTALLER, "detect", "-v", "--root", root, "--json"], LANGS["ja"])
        check(f"detect {name} ja_JP.UTF-8: --json byte-identical to English",
              ja_json.stdout == en_json.stdout, ja_json.stderr)


def test_help():
    for lang, loc in LANGS.items():
        for args in (["--help"], ["detect", "--help"], ["install", "--help"],
                     ["verify", "--help"], ["uninstall", "--help"]):
            p = run([INSTALLER, *args], loc)
            check(f"installer {' '.join(args)} {loc}", p.returncode == 0 and
                  HELP_WORDS[lang] in text(p)[0], text(p))
        p = run([INSTALLER, "detect", "--bogus"], loc)
        out, err = text(p)
        check(f"usage error {loc}: translated, exit 2", p.returncode == 2 and
              err.startswith("installer: detect") and "'--bogus'" in err and
              "unknown option" not in err, err)
        if os.access(AGENT, os.X_OK):
            p = run([AGENT, "--help"], loc)
            check(f"guest-agent --help {loc}", p.returncode == 0 and
                  HELP_WORDS[lang] in text(p)[0], text(p))
        else:
            harness.skip(f"guest-agent --help {loc}", f"no agent at {AGENT}")


INSTALL_WORDS = {"ja": ["計画（ドライラン", "PV ドライバー", "initramfs を再作成"],
                 "fr": ["Plan (simulation", "pilotes PV", "régénérer l'initramfs"]}


def test_install(tmp):
    sys.path.insert(0, os.path.join(REPO, "tests", "cli"))
    import run as cli  # the CLI suite's media and fixture copies
    if os.geteuid() != 0:
        harness.skip("install runs", "installer install needs root")
        return
    iso = cli.tgz_media(tmp)
    if not iso:
        harness.skip("install runs", f"no mkisotool at {cli.MKISOTOOL} to make a media")
        return
    # --dry-run on Xen HVM: the plan and the driver steps.
    for name in ("xen-hvm-rhel-dracut",):
        root = cli.fixture_copy(tmp, name)
        args = [INSTALLER, "install", "--root", root, "--media", iso, "--dry-run"]
        en, en_json = run(args), run(args + ["--json"])
        check(f"install --dry-run {name}: English", en.returncode == EXIT_OK and
              b"Plan (dry run, nothing changed)" in en.stdout, text(en))
        for lang, loc in LANGS.items():
            p = run(args, loc)
            out, err = text(p)
            check(f"install --dry-run {name} {loc}: translated",
                  p.returncode == en.returncode and
                  all(w in out + err for w in INSTALL_WORDS[lang]), out + err)
            j = run(args + ["--json"], loc)
            check(f"install --dry-run {name} {loc}: --json byte-identical",
                  j.returncode == en_json.returncode and j.stdout == en_json.stdout,
                  (j.stdout[:300], en_json.stdout[:300]))
    # Refused: the Xen agent on KVM without --force (exit 14), nothing changed.
    root = cli.fixture_copy(tmp, "kvm-emulated-ide-e1000", "-refused")
    before = cli.tree_files(root)
    args = [INSTALLER, "install", "--root", root, "--media", iso, "--yes"]
    en, en_json = run(args), run(args + ["--json"])
    refused = {"ja": "--force", "fr": "--force"}
    for lang, loc in LANGS.items():
        p = run(args, loc)
        out, err = text(p)
        check(f"refused install {loc}: exit 14, translated", p.returncode == EXIT_NOT_XEN and
              refused[lang] in err and "not Xen" not in out + err and
              ("Xen ではなく" in err if lang == "ja" else "pas sur Xen" in err), out + err)
        j = run(args + ["--json"], loc)
        check(f"refused install {loc}: --json byte-identical", j.returncode == EXIT_NOT_XEN and
              j.returncode == en_json.returncode and j.stdout == en_json.stdout,
              (j.stdout[:300], en_json.stdout[:300]))
    check("refused installs changed nothing", cli.tree_files(root) == before, "")
    # verify after a real install (Xen, unplug=never: no reboot due).
    root = cli.fixture_copy(tmp, "xen-hvm-unplug-never", "-verify")
    p = run([INSTALLER, "install", "--root", root, "--media", iso, "--yes"])
    if not check("install for verify", p.returncode == EXIT_OK, text(p)):
        return
    en, en_json = run([INSTALLER, "verify", "--root", root]), \
        run([INSTALLER, "verify", "--root", root, "--json"])
    words = {"ja": ["エージェント:", "再起動:"], "fr": ["Agent :", "Redémarrage :"]}
    for lang, loc in LANGS.items():
        p = run([INSTALLER, "verify", "--root", root], loc)
        out, err = text(p)
        check(f"verify {loc}: translated", p.returncode == en.returncode and
              all(w in out for w in words[lang]), out + err)
        j = run([INSTALLER, "verify", "--root", root, "--json"], loc)
        check(f"verify {loc}: --json byte-identical", j.returncode == en_json.returncode and
              j.stdout == en_json.stdout, (j.stdout[:300], en_json.stdout[:300]))
    log = os.path.join(root, "var/log/guest-tools/install.log")
    if check("the install log exists", os.path.isfile(log), log):
        with open(log, "rb") as f:
            check("the install log is English (ASCII)", f.read().isascii(), "")


def test_agent_check(tmp):
    """guest-agent --check against tests/agent's xenstore server with an empty
    domain (nothing published): its problems in words, the JSON unchanged."""
    if not os.access(AGENT, os.X_OK):
        harness.skip("guest-agent --check", f"no agent at {AGENT}")
        return
    import time
    sock, ready = os.path.join(tmp, "xs.sock"), os.path.join(tmp, "xs.ready")
    server = subprocess.Popen([sys.executable, os.path.join(REPO, "tests", "agent", "xenstored.py"),
                               sock, "--ready", ready], stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(ready):
                break
            time.sleep(0.05)
        root = os.path.join(FIXTURES, "xen-pvhvm")

        def agent(lang, *extra):
            env = env_for(lang)
            env["XENSTORED_PATH"] = sock
            return subprocess.run([AGENT, "--check", "--root", root, *extra], capture_output=True,
                                  env=env, timeout=60)
        en, en_json = agent(None), agent(None, "--json")
        check("guest-agent --check: English, problems found", en.returncode == 1 and
              b"Problems (" in en.stdout and b"data/service/guest-agent/state is missing" in en.stdout,
              text(en))
        words = {"ja": ["問題（", "data/service/guest-agent/state がありません", "管理エージェント"],
                 "fr": ["Problèmes (", "data/service/guest-agent/state manque", "agent de gestion"]}
        for lang, loc in LANGS.items():
            p = agent(loc)
            out, err = text(p)
            check(f"guest-agent --check {loc}: translated", p.returncode == 1 and
                  all(w in out for w in words[lang]) and "Problems (" not in out, out + err)
            j = agent(loc, "--json")
            check(f"guest-agent --check --json {loc}: byte-identical", j.returncode == 1 and
                  j.stdout == en_json.stdout and j.stdout.isascii(), text(j))
    finally:
        server.terminate()
        server.wait(timeout=10)


INSTALL_SH = os.path.join(REPO, "scripts", "install.sh")


def test_install_sh(tmp):
    """install.sh's own messages: its table, in each language."""
    sh = shutil.which("dash") or "/bin/sh"
    words = {"ja": "数値", "fr": "nombre"}
    en = run([sh, INSTALL_SH, "-d", "debian", "-m", "x"])
    check("install.sh -m x: English", en.returncode == 2 and
          b"-m needs a number, not 'x'" in en.stderr, text(en))
    for lang, loc in LANGS.items():
        p = run([sh, INSTALL_SH, "-d", "debian", "-m", "x"], loc)
        out, err = text(p)
        check(f"install.sh -m x {loc}: translated, exit 2", p.returncode == 2 and
              words[lang] in err and "'x'" in err, err)
    p = run([sh, INSTALL_SH, "-d", "debian", "-m", "x"], "ja_JP.eucJP")
    check("install.sh LANG=ja_JP.eucJP: English", p.stderr == en.stderr, text(p))
    sys.path.insert(0, HERE)
    import install_sh_table
    missing = install_sh_table.missing(INSTALL_SH)
    check("install.sh: every message in its table, in ja and fr", not missing, missing)


def main():
    if sys.argv[1:] == ["--coverage-only"]:
        return coverage_only()
    suite = sys.argv[1] if len(sys.argv) > 1 else "i18n"
    results = sys.argv[2] if len(sys.argv) > 2 else None
    tmp = harness.tempdir("gt-i18n-")
    test_catalogs(tmp)
    test_install_sh(tmp)
    if not os.access(INSTALLER, os.X_OK):
        harness.fail("installer", f"no installer at {INSTALLER}")
    else:
        test_detect()
        test_detect_findings()
        test_help()
        test_install(tmp)
    test_agent_check(tmp)
    return harness.finish(suite, results)


if __name__ == "__main__":
    sys.exit(main())
