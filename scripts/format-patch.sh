#!/bin/bash
# make format-patch: the overlay plus the series as a git am-able series
# with a cover letter, in build/format-patch/. Each overlay file goes into
# the commit that wires it in (scripts/overlay-map.sh); the QEMU config
# fragment is the project's own and is left out.
#   usage: format-patch.sh
set -eu
. "$(dirname "$0")/common.sh"
S=$(dirname "$0")
OUT=$BUILD/format-patch
[ -f "$BASE_SRC/Makefile" ] || die "base tree missing: run 'make prepare'"

series=$(grep -v '^\s*\(#\|$\)' "$TOP/series" | awk '{print $1}')
map=$("$S/overlay-map.sh")
if echo "$map" | grep -v '^- kernel/configs/' | grep -q '^- '; then
	die "overlay files no patch wires in: $(echo "$map" | awk '$1 == "-" { print $2 }' | tr '\n' ' ')"
fi

# A small repository holding the base version of every file the series
# touches: enough for git am, and its blob ids are those of a 6.12 tree.
repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
git -C "$repo" init -q
git -C "$repo" config user.name "$(git -C "$TOP" log -1 --format=%an)"
git -C "$repo" config user.email "$(git -C "$TOP" log -1 --format=%ae)"
for p in $series; do
	awk '/^--- a\// { print substr($2, 3) }' "$TOP/patches/$p"
done | sort -u | while read -r f; do
	[ -f "$BASE_SRC/$f" ] || continue
	mkdir -p "$repo/$(dirname "$f")"
	cp "$BASE_SRC/$f" "$repo/$f"
done
git -C "$repo" add -A
git -C "$repo" commit -q -m "Linux $(make -s -C "$BASE_SRC" kernelversion)"
git -C "$repo" tag base

for p in $series; do
	git -C "$repo" am -q --whitespace=nowarn "$TOP/patches/$p" ||
		die "git am failed on $p"
	new=$(echo "$map" | awk -v p="$p" '$1 == p { print $2 }')
	if [ -n "$new" ]; then
		for f in $new; do
			mkdir -p "$repo/$(dirname "$f")"
			cp "$TOP/$f" "$repo/$f"
			git -C "$repo" add "$f"
		done
		git -C "$repo" commit -q --amend --no-edit
	fi
done

rm -rf "$OUT"
git -C "$repo" format-patch -q --cover-letter --thread --numbered \
	--subject-prefix="PATCH" -o "$OUT" base..HEAD
cover=$(ls "$OUT"/0000-*.patch)
"$S/cover-letter.sh" >"$repo/blurb"
# Replace the template's subject and blurb with ours.
awk -v blurb="$repo/blurb" '
	/^Subject: / { print "Subject: [PATCH 00/" n "] mm: memcontrol: kmem limits, OOM handler reserves and the OOM reaper for handler kills"; skip = 1; next }
	skip && /^ *$/ && !done { print ""; while ((getline l < blurb) > 0) print l; print ""; done = 1; next }
	skip && /\*\*\* BLURB HERE \*\*\*/ { next }
	skip && /\*\*\* SUBJECT HERE \*\*\*/ { next }
	{ print }
' n="$(printf '%02d' "$(echo "$series" | wc -w)")" "$cover" >"$cover.new"
mv "$cover.new" "$cover"
echo "$(ls "$OUT" | wc -l) files in $OUT:"
ls "$OUT" | sed 's/^/  /'
# It applies to a pristine tree with git am.
check=$(mktemp -d)
git -C "$repo" worktree add -q --detach "$check/wt" base
if ! ls "$OUT"/*.patch | grep -v '/0000-' | xargs git -C "$check/wt" am -q; then
	git -C "$repo" worktree remove --force "$check/wt"
	die "the exported series does not apply with git am"
fi
git -C "$repo" worktree remove --force "$check/wt"
rm -rf "$check"
echo "git am applies the series to Linux $(make -s -C "$BASE_SRC" kernelversion)"
