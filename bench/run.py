#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""guest-tools benchmarks: mkisotool against xorriso and genisoimage, the
installer against dpkg and a shell detector, side by side in one run.

Usage: bench/run.py [--build DIR] [--out FILE] [--runs N] [--tree-runs N]
                    [--big-runs N] [--big-gib N] [--install-runs N]
                    [--detect-runs N] [--seed N] [--scale F] [--workdir DIR]
                    [--big-workdir DIR] [--parts iso,detect,install]

The ISO cases (the benchmark payload, a 20,000- and a 100,000-file driver
tree, a --big-gib image) each run every tool RUNS times, interleaved (one of
each per round, the order rotated every round), so that a change in the
machine's load hits all tools alike; figures are medians with their spread
(min-max; p10-p90 for the detector's many runs). Writes a table on stdout
and FILE (Markdown). Needs root (dpkg --root, chroot in maintainer scripts).
See docs/benchmarks.md.
"""
import datetime
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MIB = 1024 * 1024
EPOCH = "1700000000"


def die(msg, code=1):
    print(f"bench: {msg}", file=sys.stderr)
    sys.exit(code)


def parse_args(argv):
    a = {"build": os.path.join(REPO, "build"), "out": os.path.join(HERE, "results.md"),
         "runs": 7, "tree_runs": 5, "big_runs": 3, "big_gib": 6, "install_runs": 11,
         "detect_runs": 200, "seed": 8, "scale": 1.0, "workdir": None,
         "big_workdir": "/var/tmp", "parts": "iso,detect,install"}
    i = 0
    while i < len(argv):
        key = argv[i].lstrip("-").replace("-", "_")
        if key not in a or i + 1 >= len(argv):
            die(f"unknown or incomplete argument {argv[i]!r} (see the head of bench/run.py)", 2)
        v = argv[i + 1]
        a[key] = int(v) if key in ("runs", "tree_runs", "big_runs", "big_gib", "install_runs",
                                   "detect_runs", "seed") else \
            float(v) if key == "scale" else v
        i += 2
    if min(a["runs"], a["tree_runs"], a["big_runs"], a["install_runs"], a["detect_runs"]) < 1:
        die("every --*-runs must be at least 1", 2)
    a["parts"] = set(a["parts"].split(","))
    if not a["parts"] or a["parts"] - {"iso", "detect", "install"}:
        die("--parts takes iso, detect and install, separated by commas", 2)
    return a


RUNSTAT = None  # bench/runstat.c, built by bench/build.mk


def run_batch(argv, n=1):
    """Run argv n times through runstat; a list of (wall seconds, peak RSS KiB,
    CPU seconds).

    runstat forks from a small C program: Linux counts the RSS a process had
    before execve() in ru_maxrss, so a child forked by Python would report at
    least the interpreter's size, and Python's spawn costs ~1 ms of wall."""
    with tempfile.TemporaryFile() as errf:
        p = subprocess.run([RUNSTAT, str(n)] + argv, stdout=subprocess.PIPE, stderr=errf)
        if p.returncode != 0:
            errf.seek(0)
            err = errf.read().decode(errors="replace")
            die(f"{' '.join(argv[:3])}...: failed: {err[-600:]}")
    out = []
    for line in p.stdout.decode().split("\n"):
        if line.strip():
            ns, kib, cpu = line.split()
            out.append((int(ns) / 1e9, int(kib), int(cpu) / 1e9))
    return out


def run_timed(argv):
    """One run of argv: (wall seconds, peak RSS in KiB, CPU seconds)."""
    return run_batch(argv, 1)[0]


class Series:
    def __init__(self, name):
        self.name = name
        self.v = []

    def add(self, x):
        self.v.append(x)

    def median(self):
        return statistics.median(self.v)

    def spread(self, pct=False):
        s = sorted(self.v)
        if pct and len(s) >= 10:
            return s[len(s) // 10], s[(len(s) * 9) // 10]
        return s[0], s[-1]


def fmt_s(x):
    return f"{x * 1000:.0f} ms" if x >= 0.1 else f"{x * 1000:.1f} ms" if x >= 0.01 \
        else f"{x * 1000:.2f} ms"


def fmt_series(s, pct=False, unit=fmt_s):
    lo, hi = s.spread(pct)
    return f"{unit(s.median())}", f"{unit(lo)} – {unit(hi)}"


def load_integration():
    """tests/integration/run.py: its build_deb, make_iso and debian_root."""
    spec = importlib.util.spec_from_file_location(
        "gt_integration", os.path.join(REPO, "tests/integration/run.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Case:
    """One ISO benchmark: a staged tree (what xorriso and genisoimage are
    given), mkisotool's build manifest naming the same files and links, and
    what the generator counted."""

    def __init__(self, key, title, stage, manifest, gen, runs, entries):
        self.key, self.title = key, title
        self.stage, self.manifest, self.gen = stage, manifest, gen
        self.runs, self.entries = runs, entries
        self.sizes = {}
        self.wall, self.cpu, self.rss = {}, {}, {}
        self.paired_wall = Series("mkisotool / genisoimage wall, per round")
        self.paired_cpu = Series("mkisotool / xorriso CPU, per round")


def gen_json(argv):
    p = subprocess.run([sys.executable] + argv, capture_output=True, text=True)
    if p.returncode:
        die(f"{os.path.basename(argv[0])} failed: {p.stderr[-800:]}")
    return json.loads(p.stdout)


def case_payload(a, work):
    gen = gen_json([os.path.join(HERE, "gen_payload.py"), work + "/payload",
                    "--seed", str(a["seed"]), "--scale", str(a["scale"])])
    return Case("payload", f"benchmark payload (seed {a['seed']}, scale {a['scale']})",
                os.path.join(work, "payload/stage"),
                os.path.join(work, "payload/bench.manifest"), gen, a["runs"],
                gen["files"] + gen["links"])


def case_tree(a, work, n, runs):
    """A driver tree of n files (bench/gen_tree.py, mean size 4000 bytes)."""
    d = os.path.join(work, f"tree{n}")
    stage = os.path.join(d, "stage")
    gen = gen_json([os.path.join(HERE, "gen_tree.py"), stage, "--files", str(n),
                    "--seed", str(a["seed"])])
    manifest = os.path.join(d, "tree.manifest")
    with open(manifest, "w") as f:
        f.write("guest-tools-manifest 1\nversion 0.0.0-bench\nsource-dir stage\n"
                "tree Windows src=Windows\n")
    return Case(f"tree{n}", f"{n:,}-file driver tree (gen_tree.py, seed {a['seed']})",
                stage, manifest, gen, runs, gen["files"] + gen["links"])


def case_big(a, work, gib, runs):
    """gib files of 1 GiB of distinct incompressible bytes: a gib GiB image.
    Made from one 64 MiB random block, each file's copies prefixed with its
    own bytes (no ISO builder compresses or stores blocks once)."""
    d = os.path.join(work, f"big{gib}")
    stage = os.path.join(d, "stage")
    os.makedirs(os.path.join(stage, "Big"))
    block = os.urandom(64 * MIB)
    for i in range(gib):
        with open(os.path.join(stage, "Big", f"part{i}.bin"), "wb") as f:
            for k in range(16):
                f.write(os.urandom(4096))
                f.write(block[4096:])
    manifest = os.path.join(d, "big.manifest")
    with open(manifest, "w") as f:
        f.write("guest-tools-manifest 1\nversion 0.0.0-bench\nsource-dir stage\n"
                "tree Big src=Big\n")
    total = gib * 16 * 64 * MIB
    return Case(f"big{gib}", f"{gib} GiB image ({gib} files of 1 GiB)", stage, manifest,
                {"files": gib, "links": 0, "bytes": total, "unique_bytes": total,
                 "unique_blocks_bytes": total}, runs, gib)


def fixed_overhead(work, mkisotool):
    """The image of a manifest with one 1-byte file: system area, volume
    descriptors, path tables, directories and the files mkisotool adds."""
    tiny = os.path.join(work, "tiny")
    os.makedirs(tiny, exist_ok=True)
    with open(os.path.join(tiny, "x"), "w") as f:
        f.write("x")
    with open(os.path.join(tiny, "m"), "w") as f:
        f.write("guest-tools-manifest 1\nversion 0\nfile x src=x\n")
    run_timed([mkisotool, "build", "-q", "-m", os.path.join(tiny, "m"), "-o",
               os.path.join(tiny, "t.iso"), "--source-date-epoch", EPOCH])
    size = os.path.getsize(os.path.join(tiny, "t.iso"))
    shutil.rmtree(tiny)
    return size


ISO_TOOLS = ["mkisotool build (full)", "xorriso -as mkisofs -R -J -joliet-long",
             "genisoimage -R -J -joliet-long"]


def bench_case(c, work, mkisotool):
    """Every tool c.runs times, interleaved, on the same tree."""
    out = os.path.join(work, "out.iso")
    cmds = {
        ISO_TOOLS[0]: [mkisotool, "build", "-q", "-m", c.manifest, "-o", out,
                       "--source-date-epoch", EPOCH],
        ISO_TOOLS[1]: ["xorriso", "-as", "mkisofs", "-R", "-J", "-joliet-long", "-quiet",
                       "-o", out, c.stage],
        ISO_TOOLS[2]: ["genisoimage", "-R", "-J", "-joliet-long", "-quiet", "-o", out,
                       c.stage],
        "read every input (cat)": ["sh", "-c", 'find "$1" -type f -print0 | xargs -0 cat',
                                   "sh", c.stage],
    }
    # Sizes, once (the images are reproducible); mkisotool's own count too.
    j = subprocess.run(cmds[ISO_TOOLS[0]][:2] + ["--json"] + cmds[ISO_TOOLS[0]][3:],
                       capture_output=True, text=True)
    if j.returncode:
        die(f"{c.key}: mkisotool build failed: " + j.stderr[-800:])
    c.sizes["mkisotool"] = os.path.getsize(out)
    c.sizes["mkisotool_unique_bytes"] = json.loads(j.stdout)["unique_bytes"]
    for name in ISO_TOOLS[1:]:
        run_timed(cmds[name])
        c.sizes[name.split()[0]] = os.path.getsize(out)
        os.unlink(out)
    run_timed(cmds["read every input (cat)"])  # into the page cache
    names = list(cmds)
    for n in names:
        c.wall[n], c.cpu[n], c.rss[n] = Series(n), Series(n), Series(n)
    print(f"bench: {c.title}: {c.runs} rounds of {len(names)}...", flush=True)
    for r in range(c.runs):
        got = {}
        for n in names[r % len(names):] + names[:r % len(names)]:
            dt, kib, ct = run_timed(cmds[n])
            c.wall[n].add(dt)
            c.cpu[n].add(ct)
            c.rss[n].add(kib)
            got[n] = (dt, ct)
            if os.path.exists(out):
                os.unlink(out)
        c.paired_wall.add(got[ISO_TOOLS[0]][0] / got[ISO_TOOLS[2]][0])
        c.paired_cpu.add(got[ISO_TOOLS[0]][1] / got[ISO_TOOLS[1]][1])


def bench_iso(a, work, mkisotool, rows, sizes, notes):
    """The ISO cases, one after the other, each interleaved in itself. The
    big image and its inputs go to --big-workdir (a disk by default: in
    /dev/shm they would hold twice --big-gib of a shared machine's RAM)."""
    cases = []
    sizes["fixed_overhead"] = fixed_overhead(work, mkisotool)
    makers = [(work, lambda w: case_payload(a, w)),
              (work, lambda w: case_tree(a, w, 20000, a["tree_runs"])),
              (work, lambda w: case_tree(a, w, 100000, a["tree_runs"]))]
    if a["big_gib"] > 0:
        big = tempfile.mkdtemp(prefix="gt-bench-big-", dir=a["big_workdir"])
        notes["big_workdir"] = big
        free = shutil.disk_usage(big).free
        need = (2 * a["big_gib"] + 2) << 30
        if free >= need:
            makers.append((big, lambda w: case_big(a, w, a["big_gib"], a["big_runs"])))
        else:
            notes["big_skipped"] = (f"the {a['big_gib']} GiB image was not run: "
                                    f"{free / (1 << 30):.1f} GiB free under {big}, "
                                    f"{need / (1 << 30):.0f} GiB needed")
    try:
        for where, make in makers:
            print("bench: generating...", flush=True)
            c = make(where)
            c.where = where
            bench_case(c, where, mkisotool)
            cases.append(c)
            shutil.rmtree(os.path.dirname(c.stage), ignore_errors=True)
    finally:
        if "big_workdir" in notes:
            shutil.rmtree(notes["big_workdir"], ignore_errors=True)
    for c in cases:
        gw = c.wall[ISO_TOOLS[2]].median()
        xc = c.cpu[ISO_TOOLS[1]].median()
        for n in c.wall:
            med, spr = fmt_series(c.wall[n])
            rows.append((c.key, n + " (wall)", med, spr, f"{c.wall[n].median() / gw:.2f}× genisoimage"))
        for n in c.cpu:
            med, spr = fmt_series(c.cpu[n])
            rows.append((c.key, n + " (CPU user+sys)", med, spr,
                         f"{c.cpu[n].median() / xc:.2f}× xorriso"))
        for n in ISO_TOOLS:
            med, spr = fmt_series(c.rss[n], unit=lambda k: f"{k / 1024:.1f} MiB")
            rows.append((c.key, n + " (peak RSS)", med, spr, ""))
        for pr in (c.paired_wall, c.paired_cpu):
            lo, hi = pr.spread()
            rows.append((c.key, pr.name, f"{pr.median():.2f}×", f"{lo:.2f}× – {hi:.2f}×", ""))
    notes["iso_cases"] = cases


def bench_detect(a, installer, rows, notes):
    det = os.path.join(HERE, "detect.sh")
    cmds = {"installer detect": [installer, "detect"],
            "sh bench/detect.sh": ["/bin/sh", det]}
    s = {n: Series(n) for n in cmds}
    rss = {n: Series(n) for n in cmds}
    print(f"bench: detect, {a['detect_runs']} rounds of 2...", flush=True)
    for n in cmds:  # one warm-up each (page cache, dentries)
        run_timed(cmds[n])
    # Blocks of 10 runs, alternating: interleaved without paying a runstat
    # start per run.
    block = 10
    done = 0
    while done < a["detect_runs"]:
        k = min(block, a["detect_runs"] - done)
        for n in (list(cmds) if (done // block) % 2 == 0 else list(cmds)[::-1]):
            for dt, kib, _ in run_batch(cmds[n], k):
                s[n].add(dt)
                rss[n].add(kib)
        done += k
    floor = run_batch(["/bin/true"], 5)
    notes["true_rss"] = statistics.median(k for _, k, _ in floor)
    base = s["sh bench/detect.sh"].median()
    for n in cmds:
        med, spr = fmt_series(s[n], pct=True)
        rows.append(("detect", n + " (wall)", med, spr + " (p10–p90)",
                     f"{base / s[n].median():.1f}× faster than sh" if n.startswith("installer")
                     else ""))
    for n in cmds:
        med, spr = fmt_series(rss[n], unit=lambda k: f"{k / 1024:.2f} MiB")
        rows.append(("detect", n + " (peak RSS)", med, spr, ""))
    notes["detect"] = (s, rss)


def bench_install(a, work, installer, mkisotool, rows, notes):
    os.environ["MKISOTOOL"] = mkisotool
    integ = load_integration()
    src = integ.debian_root()
    tmp = os.path.join(work, "install")
    os.makedirs(tmp)
    inst = os.path.join(tmp, "installer")
    shutil.copy(installer, inst)
    deb = integ.build_deb(tmp, "test-agent", "1.0-1")
    iso = integ.make_iso(tmp, "bench", [
        ("Linux/installer.x86_64", inst, "mode=0755"),
        ("Linux/install.sh", os.path.join(REPO, "scripts/install.sh"), "mode=0755"),
        ("Linux/deb/test-agent_1.0-1_amd64.deb", deb, "family=deb arch=x86_64 like=debian")])
    names = ["installer install --root", "dpkg --root -i"]
    s = {n: Series(n) for n in names + ["installer verify --root", "cp -a root (excluded)"]}
    cpu = {n: Series(n) for n in s}
    paired = Series("install / dpkg, per round")
    runs = a["install_runs"]
    print(f"bench: install, {runs} rounds of 2 (each into a fresh copy of {src})...",
          flush=True)
    for r in range(runs):
        got = {}
        for n in (names if r % 2 == 0 else names[::-1]):
            root = os.path.join(tmp, "root")
            t0 = time.perf_counter()
            subprocess.run(["cp", "-a", src, root], check=True)
            subprocess.run(["sync", "-f", root], check=False)
            s["cp -a root (excluded)"].add(time.perf_counter() - t0)
            if n.startswith("installer"):
                dt, _, ct = run_timed([inst, "install", "--root", root, "--media", iso,
                                       "--yes"])
                vt, _, vc = run_timed([inst, "verify", "--root", root])
                s["installer verify --root"].add(vt)
                cpu["installer verify --root"].add(vc)
            else:
                dt, _, ct = run_timed(["dpkg", "--root=" + root, "-i", deb])
            s[n].add(dt)
            cpu[n].add(ct)
            got[n] = dt
            shutil.rmtree(root)
        paired.add(got[names[0]] / got[names[1]])
    base, cbase = s["dpkg --root -i"].median(), cpu["dpkg --root -i"].median()
    for n in names + ["installer verify --root", "cp -a root (excluded)"]:
        med, spr = fmt_series(s[n])
        rows.append(("install", n + " (wall)", med, spr,
                     f"{s[n].median() / base:.2f}× dpkg" if n.startswith("installer install")
                     else ""))
    for n in names + ["installer verify --root"]:
        med, spr = fmt_series(cpu[n])
        rows.append(("install", n + " (CPU user+sys)", med, spr,
                     f"{cpu[n].median() / cbase:.2f}× dpkg" if n.startswith("installer install")
                     else ""))
    lo, hi = paired.spread()
    rows.append(("install", "installer install / dpkg -i, ratio per round",
                 f"{paired.median():.2f}×", f"{lo:.2f}× – {hi:.2f}×", ""))
    notes["install"] = s
    notes["install_cpu"] = cpu
    notes["install_paired"] = paired


def stripped_size(path, work):
    if not os.path.exists(path):
        return None
    out = os.path.join(work, "stripped")
    subprocess.run(["strip", "-o", out, path], check=True)
    n = os.path.getsize(out)
    os.unlink(out)
    return n


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    commit = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty", "--abbrev=12"],
                            capture_output=True, text=True).stdout.strip() or "?"
    return model, os.cpu_count(), commit


def iso_targets(cases, sizes):
    """The targets of the ISO cases (docs/benchmarks.md), one row each."""
    out = []
    for c in cases:
        full = ISO_TOOLS[0]
        gw = c.wall[full].spread()[0] / c.wall[ISO_TOOLS[2]].spread()[0]
        med_w = c.wall[full].median() / c.wall[ISO_TOOLS[2]].median()
        out.append((f"{c.key}: full build with read-back ≤ 1.0× genisoimage wall",
                    f"{c.paired_wall.median():.2f}× (median of per-round ratios; ratio of "
                    f"medians {med_w:.2f}×, of fastest runs {gw:.2f}×)",
                    c.paired_wall.median() <= 1.0))
        med_c = c.cpu[full].median() / c.cpu[ISO_TOOLS[1]].median()
        out.append((f"{c.key}: ≤ 1.0× xorriso CPU",
                    f"{c.paired_cpu.median():.2f}× (median of per-round ratios; ratio of "
                    f"medians {med_c:.2f}×)", c.paired_cpu.median() <= 1.0))
        limit = 1.02 * c.gen["unique_bytes"] + sizes["fixed_overhead"]
        blocks = c.gen["unique_blocks_bytes"]
        meta = c.sizes["mkisotool"] - blocks - sizes["fixed_overhead"]
        out.append((f"{c.key}: image ≤ 1.02 × unique bytes + fixed overhead",
                    f"{c.sizes['mkisotool']:,} ≤ {limit:,.0f} ({c.sizes['mkisotool'] / limit:.3f}×"
                    f"; the unique files in whole 2 KiB blocks are {blocks:,} bytes, the "
                    f"rest beyond the fixed overhead {meta:,} bytes, "
                    f"{meta / max(c.entries, 1):,.0f} an entry: directories, path tables, "
                    "Linux/MANIFEST or CONTENTS)", c.sizes["mkisotool"] <= limit))
    trees = {c.key: c for c in cases}
    if "tree20000" in trees and "tree100000" in trees:
        small, large = trees["tree20000"], trees["tree100000"]
        r_rss = large.rss[ISO_TOOLS[0]].median() / small.rss[ISO_TOOLS[0]].median()
        r_n = large.entries / small.entries
        out.append(("peak RSS grows no faster than the entry count",
                    f"{small.rss[ISO_TOOLS[0]].median() / 1024:.1f} MiB at {small.entries:,} "
                    f"entries, {large.rss[ISO_TOOLS[0]].median() / 1024:.1f} MiB at "
                    f"{large.entries:,}: {r_rss:.2f}× for {r_n:.2f}× the entries "
                    f"({large.rss[ISO_TOOLS[0]].median() / large.entries:.2f} KiB an entry)",
                    r_rss <= r_n))
    return out


def iso_markdown(cases, sizes, notes):
    md = ["## ISO cases\n",
          "| case | files | links | input bytes | unique bytes | unique, in 2 KiB blocks | "
          "mkisotool image | xorriso image | genisoimage image |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in cases:
        md.append(f"| {c.title} | {c.gen['files']:,} | {c.gen['links']:,} | "
                  f"{c.gen['bytes']:,} | {c.gen['unique_bytes']:,} | "
                  f"{c.gen['unique_blocks_bytes']:,} | "
                  f"{c.sizes['mkisotool']:,} | {c.sizes['xorriso']:,} | "
                  f"{c.sizes['genisoimage']:,} |")
    md.append("")
    md.append(f"Fixed overhead (a mkisotool image of one 1-byte file): "
              f"{sizes['fixed_overhead']:,} bytes. mkisotool's count of unique bytes agrees "
              "with the generator's in every case: " +
              ", ".join(f"{c.key} {'yes' if c.sizes['mkisotool_unique_bytes'] == c.gen['unique_bytes'] else 'NO'}"
                        for c in cases) + ".")
    if "big_skipped" in notes:
        md.append("")
        md.append(f"Not run: {notes['big_skipped']}.")
    md.append("")
    md.append("| case | peak RSS: mkisotool | xorriso | genisoimage | entries |")
    md.append("|---|---:|---:|---:|---:|")
    for c in cases:
        md.append(f"| {c.key} | " + " | ".join(
            f"{c.rss[n].median() / 1024:.1f} MiB" for n in ISO_TOOLS) + f" | {c.entries:,} |")
    md.append("")
    return md


def main():
    a = parse_args(sys.argv[1:])
    if os.geteuid() != 0 and a["parts"] & {"install"}:
        die("needs root (dpkg --root and chroot in the maintainer scripts)", 2)
    for tool in ("xorriso", "genisoimage", "dpkg", "dpkg-deb", "strip"):
        if not shutil.which(tool):
            die(f"{tool} not found: run `scripts/install-deps.sh check` "
                "(scripts/deps/bench.check)", 2)
    global RUNSTAT
    RUNSTAT = os.path.abspath(os.path.join(a["build"], "host/bench-runstat"))
    installer = os.path.abspath(os.path.join(a["build"], "installer"))
    mkisotool = os.path.abspath(os.path.join(a["build"], "host/mkisotool"))
    need = [mkisotool, RUNSTAT] + ([installer] if a["parts"] - {"iso"} else [])
    for p in need:
        if not os.access(p, os.X_OK):
            die(f"{p}: missing: build it first (make host static), or use make bench", 2)
    parent = a["workdir"] or ("/dev/shm" if shutil.disk_usage("/dev/shm").free > 3 << 30
                              else tempfile.gettempdir())
    work = tempfile.mkdtemp(prefix="gt-bench-", dir=parent)
    model, ncpu, commit = machine()
    load0 = os.getloadavg()
    uptime0 = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    started = datetime.datetime.now(datetime.timezone.utc)
    rows, sizes, notes = [], {}, {}
    bins = {}
    try:
        if "iso" in a["parts"]:
            bench_iso(a, work, mkisotool, rows, sizes, notes)
        if "detect" in a["parts"]:
            bench_detect(a, installer, rows, notes)
        if "install" in a["parts"]:
            bench_install(a, work, installer, mkisotool, rows, notes)
        if a["parts"] - {"iso"}:
            bins["installer (static, stripped)"] = stripped_size(installer, work)
        bins["mkisotool (host, stripped)"] = stripped_size(mkisotool, work)
        agent = os.path.join(a["build"], "guest-agent")
        bins["guest-agent (stripped)"] = stripped_size(agent, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load1 = os.getloadavg()
    uptime1 = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    secs = (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds()

    # Targets (docs/benchmarks.md).
    targets = []
    if "iso" in a["parts"]:
        targets += iso_targets(notes["iso_cases"], sizes)
    if "detect" in a["parts"]:
        ds, drss = notes["detect"]
        det = ds["installer detect"].median()
        shd = ds["sh bench/detect.sh"].median()
        targets += [
            ("detect ≤ 10 ms", fmt_s(det), det <= 0.010),
            ("detect ≤ 8 MiB peak RSS", f"{drss['installer detect'].median() / 1024:.2f} MiB",
             drss["installer detect"].median() <= 8 * 1024),
            ("detect ≥ 20× faster than the shell detector", f"{shd / det:.1f}×",
             shd / det >= 20)]
    if "install" in a["parts"]:
        inst = notes["install"]
        ratio_inst = notes["install_paired"].median()
        inst_min = (inst["installer install --root"].spread()[0] /
                    inst["dpkg --root -i"].spread()[0])
        inst_cpu = (notes["install_cpu"]["installer install --root"].median() /
                    notes["install_cpu"]["dpkg --root -i"].median())
        targets.append((
            "install ≤ 1.2× bare dpkg -i",
            f"{ratio_inst:.2f}× (wall, median of per-round ratios; ratio of medians "
            f"{inst['installer install --root'].median() / inst['dpkg --root -i'].median():.2f}×, "
            f"of fastest runs {inst_min:.2f}×, of CPU medians {inst_cpu:.2f}×)",
            ratio_inst <= 1.2))
    if bins.get("installer (static, stripped)"):
        targets.append(("static installer ≤ 2 MiB (stripped)",
                        f"{bins['installer (static, stripped)']:,} B",
                        bins["installer (static, stripped)"] <= 2 * MIB))

    md = []
    md.append("# guest-tools benchmark results\n")
    md.append(f"- Date: {started:%Y-%m-%d %H:%M} UTC, {secs:.0f} s in all")
    md.append(f"- Commit: `{commit}`")
    md.append(f"- Machine: {ncpu} × {model}, {platform.system()} {platform.release()}")
    md.append(f"- Load average at start / end: {load0[0]:.2f} / {load1[0]:.2f} "
              "(the machine is shared: figures are noisy, read the spreads)")
    md.append(f"- `uptime` at start: `{uptime0}`; at end: `{uptime1}`")
    md.append(f"- Parts: {', '.join(sorted(a['parts']))}. Runs: {a['runs']} interleaved rounds "
              f"for the payload, {a['tree_runs']} for each tree, {a['big_runs']} for the "
              f"{a['big_gib']} GiB image, {a['install_runs']} per install figure, "
              f"{a['detect_runs']} per detector; seed {a['seed']}, payload scale {a['scale']}; "
              f"work directory under {parent}" +
              (f", the {a['big_gib']} GiB image's under {a['big_workdir']} (mkisotool "
               "fsyncs its image before the read-back, and that wait is in its time; "
               "xorriso and genisoimage leave theirs to the page cache)"
               if "iso" in a["parts"] and a["big_gib"] > 0 else ""))
    md.append("")
    md.append("| area | figure | median | spread (min – max) | ratio |")
    md.append("|---|---|---:|---|---|")
    for area, n, med, spr, ratio in rows:
        md.append(f"| {area} | {n} | {med} | {spr} | {ratio} |")
    md.append("")
    md.append("Peak RSS is ru_maxrss from wait4(2) (what `/usr/bin/time -f %M` prints), "
              "for a shell script the largest of the shell and the commands it waited for"
              + (f"; `/bin/true` (dynamic glibc) measures {notes['true_rss'] / 1024:.2f} MiB "
                 "the same way." if "true_rss" in notes else "."))
    md.append("")
    md.append("`mkisotool build (full)` includes everything: the checks, hashing every "
              "input, `Linux/MANIFEST`, `Linux/CONTENTS` and `SHA256SUMS`, mastering, hashing "
              "the image, fsync and the read-back of the whole image; xorriso and genisoimage "
              "only write theirs. `read every input (cat)` is the read limit.")
    md.append("")
    if "iso" in a["parts"]:
        md += iso_markdown(notes["iso_cases"], sizes, notes)
    md.append("## Sizes\n")
    md.append("| what | bytes | MiB |")
    md.append("|---|---:|---:|")
    for n, v in bins.items():
        if v is not None:
            md.append(f"| {n} | {v:,} | {v / MIB:.2f} |")
    if bins.get("guest-agent (stripped)") is None:
        md.append(f"| guest-agent | not built in {a['build']} | |")
    md.append("")
    md.append("## Targets\n")
    md.append("The timing targets are judged on the median of the per-round ratios (each "
              "round runs the tools back to back, so a load change between rounds cancels "
              "out); the ratio of the fastest runs is the nearest to an idle machine.\n")
    md.append("| target | measured | |")
    md.append("|---|---|---|")
    for t, m, ok in targets:
        md.append(f"| {t} | {m} | {'met' if ok else '**NOT met**'} |")
    text = "\n".join(md) + "\n"
    print()
    print(text)
    with open(a["out"], "w") as f:
        f.write(text)
    print(f"bench: wrote {a['out']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
