#!/bin/bash
# make check-series: apply the series one patch at a time to a copy of the
# base tree and build after each, with ccache and a kept O= directory.
# Fails naming the first patch that breaks the build or adds a W=1
# warning to a C file it touches (or wires in from the overlay).
#   usage: check-series.sh
set -eu
. "$(dirname "$0")/common.sh"
S=$(dirname "$0")
SRC=$BUILD/series/src
OBJ=$BUILD/series/obj
[ -f "$BASE_SRC/Makefile" ] || die "base tree missing: run 'make prepare'"
[ -f "$BUILD/patched/obj/.config" ] || die "no patched config: run 'make kernel'"

export CCACHE_DIR=${CCACHE_DIR:-${HOME:-$BUILD}/.cache/ccache}
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1
export KBUILD_BUILD_TIMESTAMP="memcg-series" KBUILD_BUILD_USER=memcg KBUILD_BUILD_HOST=qemu
KMAKE="make -C $SRC O=$OBJ CC=ccache\ gcc -j$(nproc)"

echo "copying the base to $SRC"
# Objects of an earlier run may be newer than the base files rsync brings
# back with their old times: make would keep them. Start from none
# (ccache makes the first build cheap).
rm -rf "$OBJ"
mkdir -p "$SRC" "$OBJ"
rsync -a --delete "$BASE_SRC/" "$SRC/"
for f in $(overlay_files); do
	mkdir -p "$SRC/$(dirname "$f")"
	cp -p "$TOP/$f" "$SRC/$f"
done
# The config of the patched kernel: symbols the series adds come in with
# the patches that add them.
cp "$BUILD/patched/obj/.config" "$OBJ/.config"
map=$("$S/overlay-map.sh")

# warnings FILE.c: the W=1 warnings of one object, without line numbers.
warnings() {
	local o=${1%.c}.o
	rm -f "$OBJ/$o"
	eval "$KMAKE W=1 $o" 2>&1 | grep -E ': warning: ' |
		sed -E 's/:[0-9]+:[0-9]+:/:/' | sort -u || true
}

n=0
for p in $(grep -v '^\s*\(#\|$\)' "$TOP/series" | awk '{print $1}'); do
	n=$((n + 1))
	files=$( (awk '/^\+\+\+ b\/.*\.c$/ { print substr($2, 3) }' "$TOP/patches/$p"
		echo "$map" | awk -v p="$p" '$1 == p && $2 ~ /\.c$/ { print $2 }') |
		grep -v '^tools/' | sort -u)
	for f in $files; do
		[ -f "$SRC/$f" ] && [ -f "$OBJ/${f%.c}.o" ] && warnings "$f" >"$OBJ/before.$(echo "$f" | tr / _)"
	done
	patch -d "$SRC" -p1 -F0 -s <"$TOP/patches/$p" || die "patch $n ($p) does not apply"
	eval "$KMAKE olddefconfig" >/dev/null
	if ! eval "$KMAKE bzImage modules" >"$LOGS/series-$n.log" 2>&1; then
		grep -E 'error' "$LOGS/series-$n.log" | head -n 10 >&2
		die "patch $n ($p) breaks the build, see $LOGS/series-$n.log"
	fi
	for f in $files; do
		grep -q "^CONFIG_" "$OBJ/.config" || continue
		[ -f "$OBJ/${f%.c}.o" ] || continue	# not built in this config
		before=$OBJ/before.$(echo "$f" | tr / _)
		[ -f "$before" ] || : >"$before"
		new=$(warnings "$f" | comm -13 "$before" -)
		if [ -n "$new" ]; then
			echo "$new" >&2
			die "patch $n ($p) adds W=1 warnings to $f"
		fi
	done
	rm -f "$OBJ"/before.*
	echo "patch $n: $p builds, no new W=1 warnings in: ${files:-(no kernel C files)}" | tr '\n' ' '
	echo
done
echo "check-series: all $n patches build one by one"
