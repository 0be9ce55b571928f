# shellcheck shell=bash
# Shared helpers of the hardening scripts: TAP output and private builds.
#
# Every script builds in a temporary directory of its own (out of tree) and
# removes it on exit unless WGKS_KEEP=1. A source tree that was configured in
# place (config.status next to configure.ac) cannot host VPATH builds, so the
# tracked and untracked-but-not-ignored files are copied first.

HL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WGKS_TOP_SRCDIR=${WGKS_TOP_SRCDIR:-$(cd "$HL_DIR/../.." && pwd)}
HL_JOBS=${HL_JOBS:-$(nproc 2>/dev/null || echo 2)}

hl_n=0
hl_failed=0
hl_planned=

hl_log() { printf '# %s\n' "$*"; }

# TAP: "ok N - DESC" if CMD succeeds
hl_ok() { # DESC CMD...
	local desc=$1
	shift
	hl_n=$((hl_n + 1))
	if "$@"; then
		echo "ok $hl_n - $desc"
	else
		echo "not ok $hl_n - $desc"
		hl_failed=$((hl_failed + 1))
		return 1
	fi
}

hl_is() { # DESC GOT EXPECTED
	local desc=$1 got=$2 expected=$3
	hl_n=$((hl_n + 1))
	if [ "$got" = "$expected" ]; then
		echo "ok $hl_n - $desc"
	else
		echo "not ok $hl_n - $desc"
		hl_log "  got:      '$got'"
		hl_log "  expected: '$expected'"
		hl_failed=$((hl_failed + 1))
		return 1
	fi
}

hl_skip() { # DESC REASON
	hl_n=$((hl_n + 1))
	echo "ok $hl_n - $1 # SKIP $2"
}

hl_bail() {
	echo "Bail out! $*"
	exit 1
}

# Prints the plan at the end (the number of results is known only then).
hl_finish() {
	echo "1..$hl_n"
	if [ "$hl_failed" != 0 ]; then
		hl_log "$hl_failed of $hl_n failed"
		exit 1
	fi
	exit 0
}

# hl_tmpdir NAME -> a fresh directory, removed by hl_cleanup
HL_TMPDIRS=()
hl_tmpdir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/wgks-$1.XXXXXX") || return 1
	HL_TMPDIRS+=("$d")
	echo "$d"
}

hl_cleanup_tmp() {
	local d
	[ "${WGKS_KEEP:-0}" = 1 ] && { [ ${#HL_TMPDIRS[@]} = 0 ] || hl_log "kept ${HL_TMPDIRS[*]}"; return 0; }
	for d in "${HL_TMPDIRS[@]}"; do
		[ -n "$d" ] && [ -d "$d" ] && rm -rf "$d"
	done
	HL_TMPDIRS=()
}

# hl_pristine_srcdir WORKDIR -> a source directory usable for VPATH builds:
# the tree itself when it is not configured in place, else a copy.
hl_pristine_srcdir() {
	local work=$1 src=$WGKS_TOP_SRCDIR
	if [ ! -e "$src/config.status" ] && [ -x "$src/configure" ]; then
		echo "$src"
		return 0
	fi
	mkdir -p "$work/src" || return 1
	if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$src" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$work/src") || return 1
	else
		(cd "$src" && tar --exclude='*.o' --exclude='*.lo' --exclude='.libs' --exclude='_build' \
			--exclude=config.status --exclude=config.log --exclude=Makefile -cf - .) |
			tar -C "$work/src" -xf - || return 1
	fi
	(cd "$work/src" && ./autogen.sh >"$work/autogen.log" 2>&1) || { tail -20 "$work/autogen.log" >&2; return 1; }
	echo "$work/src"
}

# hl_configure_build SRCDIR BUILDDIR CONFIGURE-ARGS... (quiet; log on failure)
hl_configure_build() {
	local src=$1 build=$2
	shift 2
	mkdir -p "$build" || return 1
	(cd "$build" && "$src/configure" "$@" >configure.out 2>&1) || {
		tail -30 "$build/configure.out" >&2
		return 1
	}
	make -C "$build" -j"$HL_JOBS" >"$build/make.out" 2>&1 || {
		grep -E 'error|warning' "$build/make.out" | head -40 >&2
		tail -20 "$build/make.out" >&2
		return 1
	}
}

# The lab's test keys (base64 and hex) in a file, one per line, for grep -F -f
hl_key_patterns() { # OUTFILE KEYFILE...
	local out=$1 k
	shift
	: >"$out"
	for k in "$@"; do
		tr -d '\n' <"$k" >>"$out"
		echo >>"$out"
		python3 -c "import base64,sys; print(base64.b64decode(open(sys.argv[1]).read().strip()).hex())" "$k" >>"$out"
	done
}
