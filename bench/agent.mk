# SPDX-License-Identifier: MIT
# make bench-agent: guest-agent's peak RSS, CPU per publication and idle
# wakeups (bench/agent.py). Not part of `make check` (load-dependent).
.PHONY: bench-agent
bench-agent: $(BUILD)/guest-agent
	$(PYTHON) bench/agent.py $(BUILD)/guest-agent
