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

hl_planned=

hl_log() { printf '# %s\n' "$*"; }

# shellcheck source=../tap.sh
. "$WGKS_TOP_SRCDIR/tests/tap.sh"
hl_ok() { tap_ok "$@"; }
hl_is() { tap_is "$@"; }

not() { ! "$@"; }

hl_skip() { # DESC REASON
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

hl_bail() {
	echo "Bail out! $*"
	exit 1
}

# Prints the plan at the end (the number of results is known only then).
hl_finish() {
	echo "1..$tap_n"
	if [ "$tap_failed" != 0 ]; then
		hl_log "$tap_failed of $tap_n failed"
		exit 1
	fi
	exit 0
}

# hl_tmpdir NAME VAR: a fresh directory in VAR, removed by hl_cleanup_tmp
# (not "$(hl_tmpdir)": the list of directories must not live in a subshell)
HL_TMPDIRS=()
hl_tmpdir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/wgks-$1.XXXXXX") || return 1
	HL_TMPDIRS+=("$d")
	printf -v "$2" '%s' "$d"
}

hl_cleanup_tmp() {
	local d
	[ "${WGKS_KEEP:-0}" = 1 ] && { [ ${#HL_TMPDIRS[@]} = 0 ] || hl_log "kept ${HL_TMPDIRS[*]}"; return 0; }
	for d in "${HL_TMPDIRS[@]}"; do
		[ -n "$d" ] && [ -d "$d" ] && rm -rf "$d"
	done
	HL_TMPDIRS=()
}

# Filters a list of ignored files (stdin) down to sources: no objects,
# binaries, libtool wrappers, logs or autotools/gettext outputs.
hl__not_built() {
	local f
	while IFS= read -r f; do
		case "$f" in
		_build/* | */.libs/* | */.deps/* | .libs/* | .deps/* | autom4te.cache/* | m4/* | build-aux/* | po/*) continue ;;
		*.o | *.lo | *.la | *.a | *.so | *.log | *.trs | *.dirstamp | *Makefile | *Makefile.in | *.tar.* ) continue ;;
		configure | configure~ | config.* | aclocal.m4 | libtool | stamp-h1 | ABOUT-NLS | *.name | *.service) continue ;;
		properties/gtk[34]/* | *-resources.c | .e2e-install.lock) continue ;;
		esac
		[ -f "$f" ] || continue
		if [ -x "$f" ]; then
			case "$(head -c 4 "$f" | od -An -c | tr -d ' ')" in *ELF*) continue ;; esac
			grep -q 'libtool' <(head -5 "$f") && continue
		fi
		printf '%s\n' "$f"
	done
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
		# tracked and new files, plus ignored ones that are not build products
		# (work in progress can match an ignore pattern, e.g. tests/unit/test-*)
		(cd "$src" && { git ls-files -c; git ls-files -o --exclude-standard | hl__not_built;
			git ls-files -oi --exclude-standard | hl__not_built; } |
			tr '\n' '\0' | xargs -0 cp --parents -t "$work/src") || return 1
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
