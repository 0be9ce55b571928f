#!/bin/bash
# Static analysis of shared/ src/ properties/ auth-dialog/ notifier/ with cppcheck
# and clang-tidy, configured by this directory's files:
#   cppcheck-glib.cfg   GLib macros cppcheck's gtk library lacks
#   clang-tidy.yaml     the checks, and why each disabled one is off
#   analyse.supp        single intended findings, each with its reason
# Zero findings may be left: every one is either fixed or in analyse.supp.
# TAP: one result per tool and directory, plus one for the suppressions file.
#
#   ANALYSE_DIRS="shared src"   subset of the directories
#   WGKS_KEEP=1                 keep the work dir (compile_commands.json, raw output)
set -uo pipefail
. "$(dirname "$0")/hardening-lib.sh"

dirs=${ANALYSE_DIRS:-shared src properties auth-dialog notifier}
trap 'hl_cleanup_tmp' EXIT
trap 'exit 143' INT TERM

hl_tmpdir analyse work || hl_bail "no temporary directory"
top=$WGKS_TOP_SRCDIR
supp=$HL_DIR/analyse.supp

# Every suppression carries a reason.
bad_supp() { grep -vE '^[[:space:]]*(#|$)' "$supp" | grep -vE '^[a-z-]+ [A-Za-z0-9_.-]+ [^ ]+ +# .{10,}' ; }
hl_ok "every suppression in analyse.supp names tool, check, file and a reason" test -z "$(bad_supp)" ||
	bad_supp | sed 's/^/#   bad line: /'

# config.h and the dependencies' flags: configure in a private build dir
# (no make needed). With GTK development files the editors are analysed
# with GTK 4's headers, else with GLib's only (their GTK calls then fail
# to parse, so properties/ and auth-dialog/ are skipped).
src=$(hl_pristine_srcdir "$work") || hl_bail "cannot prepare a source tree"
mkdir -p "$work/build"
(cd "$work/build" && "$src/configure" --disable-lab-tests >configure.out 2>&1) ||
	(cd "$work/build" && "$src/configure" --disable-lab-tests --without-gtk3 --without-gtk4 >configure.out 2>&1) ||
	hl_bail "configure failed: $(tail -3 "$work/build/configure.out")"
if ! grep -q '^GTK4_CFLAGS = .' "$work/build/Makefile"; then
	dirs=$(echo " $dirs " | sed 's/ properties / /; s/ auth-dialog / /')
	hl_log "no GTK 4 development files: properties/ and auth-dialog/ not analysed"
fi

python3 - "$work/build" "$top" $dirs >"$work/compile_commands.json" <<-'EOF' || hl_bail "cannot write compile_commands.json"
	import json, os, re, shlex, sys
	build, top, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
	mk = open(os.path.join(build, 'Makefile')).read()
	def var(n):
	    m = re.search(r'^%s = (.*)$' % re.escape(n), mk, re.M)
	    return shlex.split(m.group(1)) if m else []
	base = ['-I' + build, '-I' + os.path.join(top, 'shared'), '-I' + os.path.join(top, 'src'),
	        '-DHAVE_CONFIG_H', '-std=gnu11', '-DLOCALEDIR="/usr/share/locale"', '-DLIBDIR="/usr/lib"',
	        '-DLIBEXECDIR="/usr/libexec"', '-DBINDIR="/usr/bin"', '-DSYSCONFDIR="/etc"', '-DLOCALSTATEDIR="/var"',
	        '-DRUNSTATEDIR="/run"', '-DG_LOG_DOMAIN="nm-wireguard-killswitch"']
	deps = sum((var(v) for v in ('GLIB_CFLAGS', 'LIBNM_CFLAGS', 'LIBMNL_CFLAGS', 'LIBNFTABLES_CFLAGS', 'NETTLE_CFLAGS', 'JSON_GLIB_CFLAGS')), [])
	gtk = var('GTK4_CFLAGS')
	out = []
	for d in dirs:
	    for f in sorted(os.listdir(os.path.join(top, d))):
	        if f.endswith('.c'):
	            p = os.path.join(top, d, f)
	            extra = gtk if d in ('properties', 'auth-dialog') else []
	            out.append({'directory': build, 'file': p, 'arguments': ['cc'] + base + deps + extra + ['-c', p]})
	json.dump(out, sys.stdout, indent=1)
EOF

# Findings are normalised to "TOOL CHECK FILE:LINE: MESSAGE" (FILE relative
# to the tree); those matching a suppression are dropped.
suppressed() { # TOOL CHECK FILE
	awk -v t="$1" -v c="$2" -v f="$3" '$1 == t && $2 == c && $3 == f { found = 1 } END { exit !found }' \
		<(grep -vE '^[[:space:]]*(#|$)' "$supp")
}
filter() { # reads normalised findings, prints those not suppressed
	local tool check loc rest file
	while read -r tool check loc rest; do
		file=${loc%%:*}
		suppressed "$tool" "$check" "$file" || echo "$tool $check $loc $rest"
	done
}

# --- cppcheck ------------------------------------------------------------------
# warning, performance, portability; not "style": it asks to narrow variable
# scopes against the project's declarations-at-block-start rule
# (-Wdeclaration-after-statement) and reports GObject private struct
# members as unused.
t0=$(date +%s)
for d in $dirs; do
	cppcheck -q --enable=warning,performance,portability --std=c11 --inline-suppr \
		--library=gtk --library=posix --library="$HL_DIR/cppcheck-glib.cfg" \
		-I "$work/build" -I "$top/shared" -I "$top/src" --include="$work/build/config.h" \
		-DG_LOG_DOMAIN='"nm-wireguard-killswitch"' -DGETTEXT_PACKAGE='"x"' \
		--template='cppcheck {id} {file}:{line}: {severity}: {message}' \
		$(ls "$top/$d"/*.c) 2>&1 | sed "s|$top/||" | grep '^cppcheck ' | filter >"$work/cppcheck-${d//\//_}.txt"
	n=$(wc -l <"$work/cppcheck-${d//\//_}.txt")
	hl_is "cppcheck $d/: no unexplained findings" "$n" 0 || sed 's/^/#   /' "$work/cppcheck-${d//\//_}.txt"
done
hl_log "cppcheck took $(($(date +%s) - t0)) s"

# --- clang-tidy --------------------------------------------------------------------
tidy=$(command -v clang-tidy || command -v clang-tidy-14)
if [ -z "$tidy" ]; then
	hl_skip "clang-tidy" "not installed (Debian: clang-tidy)"
else
	t0=$(date +%s)
	for d in $dirs; do
		files=$(python3 -c "import json,sys; print('\n'.join(e['file'] for e in json.load(open(sys.argv[1])) if '/$d/' in e['file']))" "$work/compile_commands.json")
		# parallel over files; one raw output per file
		echo "$files" | xargs -P "$HL_JOBS" -I{} sh -c \
			'"$1" -p "$2" --quiet --config-file="$3" "$4" >"$2/tidy-$(basename "$4").raw" 2>&1' _ \
			"$tidy" "$work" "$HL_DIR/clang-tidy.yaml" {}
		for f in $files; do cat "$work/tidy-$(basename "$f").raw"; done |
			sed -En "s#^$top/([^:]*:[0-9]+):[0-9]+: (warning|error): (.*) \[([^]]*)\]\$#clang-tidy \4 \1: \3#p" |
			sort -u | filter >"$work/tidy-$d.txt"
		# a file that did not parse is a failure too
		errs=$(for f in $files; do grep -l "clang-diagnostic-error\|error: .*file not found" "$work/tidy-$(basename "$f").raw"; done 2>/dev/null | wc -l)
		n=$(wc -l <"$work/tidy-$d.txt")
		hl_is "clang-tidy $d/: no unexplained findings" "$n" 0 || sed 's/^/#   /' "$work/tidy-$d.txt"
		hl_is "clang-tidy $d/: every file parsed" "$errs" 0
	done
	hl_log "clang-tidy took $(($(date +%s) - t0)) s"
fi
hl_finish
