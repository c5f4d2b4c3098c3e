#!/bin/bash
# Configure (tinyconfig + the overlay's fragments, merged the kernel's own
# way) and build bzImage and the UAPI headers with ccache in a kept O= dir.
#   usage: build-kernel.sh patched|base|debug|v2only
set -eu
. "$(dirname "$0")/common.sh"
variant_dirs "$1"
[ -f "$SRC/Makefile" ] || die "$SRC missing: run 'make prepare'"

export CCACHE_DIR=${CCACHE_DIR:-${HOME:-$BUILD}/.cache/ccache}
export CCACHE_BASEDIR=$BUILD
export CCACHE_NOHASHDIR=1
export KBUILD_BUILD_TIMESTAMP="memcg-series"
export KBUILD_BUILD_USER=memcg KBUILD_BUILD_HOST=qemu
JOBS=${JOBS:-$(nproc)}
KMAKE="make -C $SRC O=$OBJ CC=ccache\ gcc -j$JOBS"
mkdir -p "$OBJ"

# The options the fragments ask for, as the last fragment that sets each
# asks.
declare -A wants
opts=
# shellcheck disable=SC2086
while read -r line; do
	case "$line" in
	CONFIG_*=*) opt=${line%%=*} want=${line#*=} ;;
	"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *}; want=n ;;
	*) continue ;;
	esac
	[ -n "${wants[$opt]:-}" ] || opts="$opts $opt"
	wants[$opt]=$want
done < <(cat $FRAGMENTS)

# config_ok [-v]: has .config every option as asked (-v: say which not)?
config_ok() {
	local opt want got ok=0
	for opt in $opts; do
		want=${wants[$opt]}
		got=$(sed -n "s/^$opt=//p" "$OBJ/.config")
		[ -n "$got" ] || got=n
		[ "$got" != "$want" ] || continue
		# The base tree lacks the options that the series adds. (A
		# patched tree with patches popped does too: build it with
		# them pushed.)
		if [ "$VARIANT" = base ] && ! grep -rqE --include='Kconfig*' \
			"^[[:space:]]*(menu)?config ${opt#CONFIG_}[[:space:]]*$" "$SRC"; then
			continue
		fi
		[ "${1:-}" != -v ] || echo "config: $opt=$want requested, got $got" >&2
		ok=1
	done
	return $ok
}

# Reconfigure when the fragment changed (or the first time), and when an
# option went missing: a build of a tree with patches popped (quilt)
# drops the options those patches add from .config for good.
VARIANT=$1
# shellcheck disable=SC2086
fsum=$(cat $FRAGMENTS | sha256sum | cut -d' ' -f1)
if [ ! -f "$OBJ/.config" ] || [ "$(cat "$OBJ/fragment.sum" 2>/dev/null)" != "$fsum" ] ||
	! config_ok; then
	# shellcheck disable=SC2086
	echo "configuring $1: tinyconfig + $(for f in $FRAGMENTS; do basename "$f"; done | paste -sd+)"
	eval "$KMAKE tinyconfig" >/dev/null
	# shellcheck disable=SC2086
	"$SRC/scripts/kconfig/merge_config.sh" -m -O "$OBJ" "$OBJ/.config" \
		$FRAGMENTS >"$LOGS/config-$1.log"
	eval "$KMAKE olddefconfig" >>"$LOGS/config-$1.log"
	config_ok -v || die "the config fragment does not apply cleanly"
	echo "$fsum" >"$OBJ/fragment.sum"
fi

echo "building $1 bzImage and modules (log: $LOGS/build-$1.log)"
if ! eval "$KMAKE bzImage headers modules" >"$LOGS/build-$1.log" 2>&1; then
	grep -E 'error|Error' "$LOGS/build-$1.log" | head -n 20 >&2
	die "kernel build failed, see $LOGS/build-$1.log"
fi
grep -E '^[^ ]*: warning:' "$LOGS/build-$1.log" | sort -u | head -n 20 || true

# The modules, where the guest looks for them (run-qemu.sh copies them in):
# $OBJ/modules/lib/modules/RELEASE/kernel/PATH.ko, stripped.
rel=$(cat "$OBJ/include/config/kernel.release")
rm -rf "$OBJ/modules"
(cd "$OBJ" && find . -name '*.ko' -not -path './modules/*') | while read -r ko; do
	dest=$OBJ/modules/lib/modules/$rel/kernel/${ko#./}
	mkdir -p "$(dirname "$dest")"
	strip --strip-debug -o "$dest" "$OBJ/$ko"
done
echo "$1: $rel $(stat -c %s "$OBJ/arch/x86/boot/bzImage") bytes, $(find "$OBJ/modules" -name '*.ko' 2>/dev/null | wc -l) modules"
