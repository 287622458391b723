# SPDX-License-Identifier: MIT
# Shared by the e2e host scripts (sourced, bash). Keeps the cache layout and
# the small helpers in one place.

# Outside the repository, so a fresh clone on the same machine reuses it. CI
# may run without HOME: then /var/cache.
if [ -z "${E2E_CACHE:-}" ]; then
	if [ -n "${XDG_CACHE_HOME:-}" ]; then
		E2E_CACHE=$XDG_CACHE_HOME/guest-tools-e2e
	elif [ -n "${HOME:-}" ]; then
		E2E_CACHE=$HOME/.cache/guest-tools-e2e
	else
		E2E_CACHE=/var/cache/guest-tools-e2e
	fi
fi

e2e_log() { printf 'e2e: %s\n' "$*" >&2; }
e2e_die() {
	printf 'e2e: %s\n' "$*" >&2
	exit 1
}

# Seconds since the epoch with a decimal, for the stage timings.
e2e_now() { date +%s.%N; }
e2e_since() { awk -v a="$1" -v b="$(e2e_now)" 'BEGIN { printf "%.1f", b - a }'; }

# The short hash that keys a cache entry: everything that shaped it (file
# contents and recipe numbers, never paths, so that every checkout of one
# commit shares it).
e2e_key() { printf '%s\n' "$@" | sha256sum | cut -c1-16; }

# e2e_apt_show PKG: apt's record of PKG's candidate version. A fresh machine
# may never have run apt-get update: then run it once and ask again.
e2e_apt_show() {
	local rec
	if ! rec=$(apt-cache show --no-all-versions "$1" 2>/dev/null) || [ -z "$rec" ]; then
		e2e_log "apt has no entry for $1: running apt-get update"
		# One failing index makes apt-get update exit 100; the rest still works.
		apt-get update -q >/dev/null 2>&1 || true
		rec=$(apt-cache show --no-all-versions "$1" 2>/dev/null) ||
			e2e_die "apt-cache knows no package '$1' even after apt-get update"
	fi
	printf '%s\n' "$rec"
}

# Holds an exclusive lock on the cache for the rest of the calling process,
# so two runs (two worktrees, a developer and CI) never fill it at once.
e2e_lock_cache() {
	mkdir -p "$E2E_CACHE" || e2e_die "$E2E_CACHE: cannot create the cache folder"
	exec 9>"$E2E_CACHE/.lock"
	flock 9
}

# e2e_evict DIR: keeps the two cache entries of DIR used last (a checkout of
# another commit may still want the older one) and removes the rest. Each
# use touches the entry's .complete.
e2e_evict() {
	local old
	for old in $(ls -1dt "$1"/*/.complete 2>/dev/null | tail -n +3); do
		rm -rf "$(dirname "$old")"
	done
}
