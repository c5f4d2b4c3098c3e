#!/bin/bash
# Unpack the base tree, copy the overlay into a working copy of it and push
# the series with quilt, without fuzz.
#
#   build/base/src     the pristine 6.12 tree (never modified)
#   build/patched/src  base + overlay + series: the tree that is built
#                      (build/src links to it)
#
# The working tree is rebuilt only when series or patches change; overlay
# files are copied every time, keeping their mtimes so make rebuilds only
# what changed.
set -eu
. "$(dirname "$0")/common.sh"
export QUILTRC=$TOP/scripts/quiltrc

# 1. The pristine base.
[ -f "$TARBALL" ] || die "$TARBALL missing: run 'make deps'"
tarid=$(stat -c '%s %Y' "$TARBALL")
if [ "$(cat "$BUILD/base-src.stamp" 2>/dev/null)" != "$tarid" ]; then
	echo "unpacking $TARBALL"
	rm -rf "$BASE_SRC" "$BUILD/unpack"
	mkdir -p "$BUILD/unpack" "$(dirname "$BASE_SRC")"
	tar -C "$BUILD/unpack" -xf "$TARBALL"
	mv "$BUILD/unpack/linux-source-$KVER" "$BASE_SRC"
	rmdir "$BUILD/unpack"
	echo "$tarid" >"$BUILD/base-src.stamp"
fi
ln -sfn base/src "$BUILD/base-src"
ln -sfn patched/src "$BUILD/src"
echo "base: $(make -s -C "$BASE_SRC" kernelversion)"

# 2. Overlay files must be new in the tree.
for f in $(overlay_files); do
	[ ! -e "$BASE_SRC/$f" ] ||
		die "overlay file $f exists upstream: change it with a patch instead"
done

# 3. Never throw away a developer's unrefreshed quilt work.
if [ -d "$PATCHED_SRC/.pc" ] && (cd "$PATCHED_SRC" && quilt top >/dev/null 2>&1); then
	if [ -n "$(cd "$PATCHED_SRC" && quilt diff -z 2>/dev/null)" ]; then
		die "build/patched/src has changes not refreshed into $(cd "$PATCHED_SRC" && quilt top): run 'quilt refresh' there (or 'quilt pop -f' to drop them)"
	fi
fi

# 4. Reset the working tree when the series changed.
stamp=$( (cat "$TOP/series"; cat "$TOP"/patches/*.patch 2>/dev/null;
	overlay_files; echo "$tarid") | sha256sum | cut -d' ' -f1)
if [ "$(cat "$BUILD/src.stamp" 2>/dev/null)" = "$stamp" ] &&
   [ -f "$PATCHED_SRC/Makefile" ]; then
	for f in $(overlay_files); do
		cp -p "$TOP/$f" "$PATCHED_SRC/$f"
	done
	echo "series unchanged: build/patched/src is up to date"
	exit 0
fi

rm -f "$BUILD/src.stamp"
if [ -d "$PATCHED_SRC" ]; then
	echo "resetting build/patched/src to the base"
	# Files rsync restores get a fresh mtime so make rebuilds them.
	rsync -a --delete --out-format='%n' "$BASE_SRC/" "$PATCHED_SRC/" |
		grep -v '/$' | (cd "$PATCHED_SRC" &&
		while read -r f; do [ -f "$f" ] && touch "$f"; done) || true
else
	echo "copying the base to build/patched/src"
	mkdir -p "$(dirname "$PATCHED_SRC")"
	cp -a "$BASE_SRC" "$PATCHED_SRC"
fi

n=0
for f in $(overlay_files); do
	mkdir -p "$PATCHED_SRC/$(dirname "$f")"
	cp -p "$TOP/$f" "$PATCHED_SRC/$f"
	n=$((n + 1))
done
echo "overlay: $n files copied"

ln -sfn "$TOP/patches" "$PATCHED_SRC/patches"
ln -sfn "$TOP/series" "$PATCHED_SRC/series"

if ! grep -qv '^\s*\(#\|$\)' "$TOP/series"; then
	echo "series: empty"
elif ! (cd "$PATCHED_SRC" && quilt push -a) >"$LOGS/quilt-push.log" 2>&1; then
	p=$(sed -n 's/^Applying patch //p' "$LOGS/quilt-push.log" | tail -n 1)
	echo "error: patch $p does not apply without fuzz:" >&2
	awk '/^patching file /{f=$3} /FAILED|can.t find file|malformed|Reversed/{print "  " f ": " $0}' \
		"$LOGS/quilt-push.log" >&2
	echo "full output: $LOGS/quilt-push.log" >&2
	exit 1
else
	echo "series: $(cd "$PATCHED_SRC" && quilt applied | wc -l) patches applied"
fi
echo "$stamp" >"$BUILD/src.stamp"
