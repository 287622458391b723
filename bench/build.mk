# SPDX-License-Identifier: MIT
# bench/: `make bench` runs mkisotool against xorriso and genisoimage, and the
# installer against dpkg and a shell detector, and writes bench/results.md
# (docs/benchmarks.md). Never part of `make check`: it takes minutes and its
# figures depend on the machine's load. Needs root and scripts/deps/bench.check.
BENCH_FLAGS ?=

$(BUILD)/host/bench-runstat: $(call objs,host,bench/runstat.c)
	$(CC) $(LDFLAGS) -o $@ $^

.PHONY: bench
bench: $(BUILD)/host/mkisotool $(BUILD)/host/bench-runstat | deps static
	$(PYTHON) bench/run.py --build $(BUILD) --out bench/results.md $(BENCH_FLAGS)

# Callgrind instruction counts for the two figures nearest their targets.
.PHONY: bench-profile
bench-profile: $(BUILD)/host/mkisotool | deps static
	bench/profile.sh $(BUILD)
