#!/bin/bash
# Apply the series to a user's own 6.12 tree: copy the overlay in, then
# apply each patch without fuzz. Nothing is left half-applied: if a patch
# does not apply, the ones before it are reverted and the overlay removed.
#   usage: apply.sh /path/to/linux-6.12
set -eu
. "$(dirname "$0")/common.sh"
KSRC=${1:-}
[ -n "$KSRC" ] || die "usage: make apply KSRC=/path/to/linux-6.12"
[ -f "$KSRC/Makefile" ] || die "$KSRC is not a kernel tree (no Makefile)"
v=$(awk '/^VERSION =/{v=$3} /^PATCHLEVEL =/{p=$3} END{print v "." p}' "$KSRC/Makefile")
[ "$v" = "$KVER" ] || die "$KSRC is Linux $v, the series is for $KVER"

overlay=$(overlay_files)
for f in $overlay; do
	[ ! -e "$KSRC/$f" ] || die "$KSRC/$f already exists: is the series applied already?"
done

copied=
applied=
undo() {
	for p in $applied; do
		patch -d "$KSRC" -p1 -R -s -F0 <"$TOP/patches/$p" >/dev/null || true
	done
	for f in $copied; do rm -f "$KSRC/$f"; done
}

for f in $overlay; do
	mkdir -p "$KSRC/$(dirname "$f")"
	cp "$TOP/$f" "$KSRC/$f"
	copied="$copied $f"
done
for p in $(grep -v '^\s*\(#\|$\)' "$TOP/series" | awk '{print $1}'); do
	if ! out=$(patch -d "$KSRC" -p1 -N -F0 --dry-run <"$TOP/patches/$p" 2>&1); then
		echo "error: patch $p does not apply to $KSRC:" >&2
		echo "$out" | awk '/^(patching|checking) file /{f=$3} /FAILED|can.t find|Reversed/{print "  " f ": " $0}' >&2
		undo
		die "nothing was changed in $KSRC"
	fi
	patch -d "$KSRC" -p1 -N -F0 -s <"$TOP/patches/$p"
	applied="$p $applied"
	echo "applied $p"
done
echo "the series is applied to $KSRC ($(echo "$copied" | wc -w) new files)"
