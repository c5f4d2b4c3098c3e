# Shared settings for the host scripts; sourced, not run.
# Every path is absolute so the scripts work from any directory.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
LOGS=$BUILD/logs
KVER=6.12
TARBALL=${TARBALL:-/usr/src/linux-source-$KVER.tar.xz}

# The pristine base tree (never modified) and the patched tree, each with
# its O= directory beside it: build/VARIANT/{src,obj}. Both sources sit at
# the same path relative to their objects (../src), so ccache (with
# CCACHE_BASEDIR) shares every object whose source is the same in both.
# build/src and build/base-src are symlinks for people and other tools.
BASE_SRC=$BUILD/base/src
PATCHED_SRC=$BUILD/patched/src

# The directories of the overlay: files new in the kernel tree.
OVERLAY_DIRS="Documentation mm include kernel lib tools"

# overlay_files: the overlay's files, relative to the repository, sorted.
overlay_files() {
	(cd "$TOP" && for d in $OVERLAY_DIRS; do
		[ -d "$d" ] && find "$d" -type f
	done | sort)
}

# The kernel config fragment, merged onto tinyconfig.
CONFIG_FRAGMENT=$TOP/kernel/configs/memcg-qemu.config

# variant_dirs VARIANT: set SRC, OBJ and FRAGMENTS for "patched", "base",
# "debug" or "v2only".
# The debug kernel (make check-debug) and the v2-only kernel (make check)
# are the patched tree built in their own O= directories with
# kernel/configs/memcg-debug.config or memcg-v2only.config on top.
variant_dirs() {
	case "$1" in
	patched|debug|v2only) SRC=$PATCHED_SRC ;;
	base) SRC=$BASE_SRC ;;
	*) echo "unknown variant '$1' (patched, base, debug or v2only)" >&2; exit 2 ;;
	esac
	OBJ=$BUILD/$1/obj
	FRAGMENTS=$CONFIG_FRAGMENT
	case "$1" in
	debug|v2only) FRAGMENTS="$FRAGMENTS $TOP/kernel/configs/memcg-$1.config" ;;
	esac
}

die() {
	echo "error: $*" >&2
	exit 1
}

mkdir -p "$LOGS"
