#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Translations: po/POTFILES.in lists exactly the files with translatable
# strings, and every language in po/LINGUAS (at least de and fr) translates
# every string of a freshly extracted template. TAP output.
top_srcdir=${WGKS_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
LC_ALL=C
export LC_ALL
n=0
failed=0

ok () {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}

skip () {
	n=$((n + 1))
	echo "ok $n # SKIP $1"
}

diag () {
	sed 's/^/# /'
}

cd "$top_srcdir" || exit 99
potfiles=po/POTFILES.in
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

# POTFILES.in without comments and blank lines.
sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$potfiles" | sort > "$tmp/listed"

# 1. Every listed file exists.
: > "$tmp/absent"
while read -r f; do
	[ -f "$f" ] || echo "$f" >> "$tmp/absent"
done < "$tmp/listed"
[ -s "$tmp/absent" ] && diag < "$tmp/absent"
ok $([ -s "$tmp/absent" ]; echo $((1 - $?))) "every file in po/POTFILES.in exists"

# 2. Every source file with _(), N_(), C_(), NC_() or translatable="yes" is listed
# (generated copies under properties/gtk3 and properties/gtk4 are not sources).
find properties auth-dialog src shared -maxdepth 1 -type f \
	\( -name '*.c' -o -name '*.h' -o -name '*.ui' \) 2>/dev/null \
	| xargs grep -lE '(^|[^A-Za-z0-9_])(N_|C_|NC_|_) ?\(|translatable="yes"' 2>/dev/null \
	| sort > "$tmp/marked"
comm -23 "$tmp/marked" "$tmp/listed" > "$tmp/unlisted"
[ -s "$tmp/unlisted" ] && { echo "files with translatable strings missing from $potfiles:"; cat "$tmp/unlisted"; } | diag
ok $([ -s "$tmp/unlisted" ]; echo $((1 - $?))) "po/POTFILES.in lists every file with translatable strings"

# 3. No translatable string is cut by a format macro such as G_GINT64_FORMAT:
# xgettext only sees the literal before the macro, so the string would never
# be translated. Use %lld/%llu with a cast instead.
xargs grep -nE '(N_|C_|NC_|_) ?\("[^"]*"[[:space:]]*[A-Z][A-Z0-9_]*_FORMAT' < "$tmp/listed" > "$tmp/macro" 2>/dev/null
[ -s "$tmp/macro" ] && diag < "$tmp/macro"
ok $([ -s "$tmp/macro" ]; echo $((1 - $?))) "no translatable string contains a format macro"

# 4-. Each language: complete against a freshly generated template.
langs=$(sed -e 's/#.*//' po/LINGUAS | tr -s ' \t' '\n\n' | sed '/^$/d')
for required in de fr; do
	case " $(echo $langs) " in
	*" $required "*) ;;
	*) langs="$langs $required" ;;
	esac
done

if ! command -v xgettext > /dev/null || ! command -v msgmerge > /dev/null || ! command -v msgfmt > /dev/null; then
	for l in $langs; do
		skip "po/$l.po: gettext tools (xgettext, msgmerge, msgfmt) are not installed"
	done
	echo "1..$n"
	exit $failed
fi

opts=$(sed -n 's/^XGETTEXT_OPTIONS[[:space:]]*=[[:space:]]*//p' po/Makevars)
domain=$(sed -n 's/^DOMAIN[[:space:]]*=[[:space:]]*//p' po/Makevars)
# shellcheck disable=SC2086 # the options are a word list, as in po/Makefile
if ! xgettext $opts --files-from="$potfiles" --package-name="$domain" \
		-o "$tmp/$domain.pot" > "$tmp/xgettext.log" 2>&1; then
	diag < "$tmp/xgettext.log"
fi
ok $([ -s "$tmp/$domain.pot" ]; echo $?) "xgettext extracts a template from po/POTFILES.in"

for l in $langs; do
	what="po/$l.po: all strings translated, none fuzzy, msgfmt -c passes"
	if [ ! -f "po/$l.po" ]; then
		echo "po/$l.po is missing" | diag
		ok 1 "$what"
		continue
	fi
	if [ ! -s "$tmp/$domain.pot" ]; then
		echo "no template to check po/$l.po against" | diag
		ok 1 "$what"
		continue
	fi
	if ! msgmerge --quiet --lang="$l" -o "$tmp/$l.po" "po/$l.po" "$tmp/$domain.pot" > "$tmp/$l.log" 2>&1 \
	   || ! msgfmt -c --statistics -o "$tmp/$l.mo" "$tmp/$l.po" >> "$tmp/$l.log" 2>&1; then
		diag < "$tmp/$l.log"
		ok 1 "$what"
		continue
	fi
	stats=$(tail -n 1 "$tmp/$l.log")
	translated=$(echo "$stats" | sed -n 's/^\([0-9][0-9]*\) translated.*/\1/p')
	fuzzy=$(echo "$stats" | sed -n 's/.* \([0-9][0-9]*\) fuzzy.*/\1/p')
	untranslated=$(echo "$stats" | sed -n 's/.* \([0-9][0-9]*\) untranslated.*/\1/p')
	echo "po/$l.po: $stats" | diag
	if [ "${translated:-0}" -gt 0 ] && [ "${fuzzy:-0}" -eq 0 ] && [ "${untranslated:-0}" -eq 0 ]; then
		ok 0 "$what"
	else
		msgattrib --only-fuzzy --no-wrap "$tmp/$l.po" 2>/dev/null | sed -n 's/^msgid //p' | grep -v '^""$' | head -n 20 | diag
		msgattrib --untranslated --no-wrap "$tmp/$l.po" 2>/dev/null | sed -n 's/^msgid //p' | grep -v '^""$' | head -n 20 | diag
		ok 1 "$what"
	fi
done

echo "1..$n"
exit $failed
