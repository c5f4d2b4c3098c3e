#!/bin/bash
# make check-configs: compile the kernel C files the series touches under
# Debian's own 6.12 configs (package linux-config-6.12) and a few others,
# with W=1, and fail on any warning the base tree does not have.
#
#   generic        Debian's amd64 config, as shipped (no CONFIG_MEMCG_V1)
#   generic-v1     the same with CONFIG_MEMCG_V1=y
#   rt             Debian's PREEMPT_RT config
#   cloud          Debian's cloud config
#   no-memcg       generic with CONFIG_MEMCG=n (the header stubs)
#   no-swap        generic with CONFIG_SWAP=n
#
# Only the objects are built (a kept O= directory per config, ccache); an
# object whose Makefile line needs an option the config lacks is skipped
# and said so. The base is compiled only for a file that has warnings.
#   usage: check-configs.sh [CONFIG...]
set -eu -o pipefail
. "$(dirname "$0")/common.sh"
CFGDIR=${CFGDIR:-/usr/src/linux-config-$KVER}
[ -f "$PATCHED_SRC/Makefile" ] || die "no patched tree: run 'make prepare'"
[ -d "$CFGDIR" ] || die "$CFGDIR missing: run 'make deps' (linux-config-$KVER)"

export CCACHE_DIR=${CCACHE_DIR:-${HOME:-$BUILD}/.cache/ccache}
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1
JOBS=${JOBS:-$(nproc)}

# The kernel C files the patches touch or create, and the overlay's (tools/
# is userspace).
# shellcheck disable=SC2046
files=$( (awk '/^\+\+\+ b\/.*\.c$/ { print substr($2, 3) }' \
	$(grep -v '^\s*\(#\|$\)' "$TOP/series" | sed "s|^|$TOP/patches/|")
	overlay_files | grep '\.c$') | grep -v '^tools/' | sort -u)

# config NAME: the Debian config it starts from, then one option to turn
# on (=y) or off (=n), or none.
config_of() {
	case "$1" in
	generic) echo "amd64_none_amd64" ;;
	generic-v1) echo "amd64_none_amd64 MEMCG_V1=y" ;;
	rt) echo "amd64_rt_amd64" ;;
	cloud) echo "amd64_none_cloud-amd64" ;;
	no-memcg) echo "amd64_none_amd64 MEMCG=n" ;;
	no-swap) echo "amd64_none_amd64 SWAP=n" ;;
	*) die "unknown config '$1'" ;;
	esac
}

# configure VARIANT NAME: configure build/configs/VARIANT-NAME, the O=
# directory of NAME for the base or patched tree (kept while the config
# is the same).
configure() {
	local src=$BUILD/$1/src obj=$BUILD/configs/$1-$2 base opt sum
	read -r base opt < <(config_of "$2")
	sum=$( (echo "$base $opt"; xzcat "$CFGDIR/config.$base.xz") | sha256sum | cut -d' ' -f1)
	[ "$(cat "$obj/config.sum" 2>/dev/null)" != "$sum" ] || return 0
	rm -f "$obj/config.sum"
	mkdir -p "$obj"
	xzcat "$CFGDIR/config.$base.xz" >"$obj/.config"
	# Debian's signing keys and BTF are not needed for objects; the test
	# module is an overlay file the series wires in.
	"$src/scripts/config" --file "$obj/.config" \
		--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
		-d DEBUG_INFO_BTF -m TEST_OOM_REAPER
	case "$opt" in
	*=y) "$src/scripts/config" --file "$obj/.config" -e "${opt%=y}" ;;
	*=n) "$src/scripts/config" --file "$obj/.config" -d "${opt%=n}" ;;
	esac
	make -C "$src" O="$obj" olddefconfig >/dev/null
	case "$opt" in
	*=y) grep -qx "CONFIG_$opt" "$obj/.config" ;;
	*=n) ! grep -q "^CONFIG_${opt%=n}=" "$obj/.config" ;;
	esac || die "$2: $opt did not survive olddefconfig"
	echo "$sum" >"$obj/config.sum"
}

# built OBJDIR FILE: does the config build FILE? Its Makefile line's
# option must be y or m (obj-y always is).
built() {
	local dir=${2%/*} o=${2##*/}
	o=${o%.c}.o
	# shellcheck disable=SC2016
	opt=$(grep -E "^obj-.*[[:space:]=]$o([[:space:]]|$)" "$PATCHED_SRC/$dir/Makefile" |
		sed -n 's/^obj-\$(CONFIG_\([A-Z0-9_]*\)).*/\1/p' | head -n 1)
	[ -n "$opt" ] || return 0
	grep -qE "^CONFIG_$opt=[ym]" "$1/.config"
}

# warnings VARIANT OBJDIR FILE...: the W=1 warnings of the kernel's C
# compiles (not of host tools such as genksyms' bison grammar), with paths
# relative to the tree and without line numbers. A build that fails is one
# more line.
warnings() {
	local variant=$1 src=$BUILD/$1/src obj=$2 objs='' f log
	shift 2
	for f; do objs="$objs ${f%.c}.o"; rm -f "$obj/${f%.c}.o"; done
	log=$obj/build.log
	# shellcheck disable=SC2086
	{
		make -C "$src" O="$obj" CC="ccache gcc" -j"$JOBS" W=1 $objs >"$log" 2>&1 ||
			echo "build failed, see $log"
		for f; do [ -f "$obj/${f%.c}.o" ] || echo "${f%.c}.o: not built"; done
		{ grep -E ': (warning|error|fatal error): ' "$log" || true; } |
			sed -E "s|^$src/||; s|^(\.\./)*$variant/src/||" |
			{ grep -v '^scripts/' || true; } | sed -E 's/:[0-9]+:[0-9]+:/:/'
	} | sort
}

names=${*:-generic generic-v1 rt cloud no-memcg no-swap}
fail=0
for name in $names; do
	start=$(date +%s)
	configure patched "$name"
	obj=$BUILD/configs/patched-$name
	todo='' skipped=''
	for f in $files; do
		if built "$obj" "$f"; then todo="$todo $f"; else skipped="$skipped $f"; fi
	done
	[ -n "$todo" ] || die "$name: none of the series' files is built"
	# shellcheck disable=SC2086
	new=$(warnings patched "$obj" $todo)
	if [ -n "$new" ]; then
		# Compare with the base, file by file, for the files with warnings.
		basef=
		for f in $todo; do
			! echo "$new" | grep -q "^$f:" || [ ! -f "$BASE_SRC/$f" ] || basef="$basef $f"
		done
		old=
		if [ -n "$basef" ]; then
			configure base "$name"
			# shellcheck disable=SC2086
			old=$(warnings base "$BUILD/configs/base-$name" $basef)
		fi
		new=$(comm -13 <(echo "$old") <(echo "$new"))
	fi
	secs=$(($(date +%s) - start))
	if [ -n "$new" ]; then
		echo "FAIL configs: $name: new W=1 warnings (${secs}s):"
		echo "$new" | sed 's/^/    | /'
		fail=1
	else
		echo "PASS configs: $name: $(echo "$todo" | wc -w) files warning-free${skipped:+, not built here:$skipped} (${secs}s)"
	fi
done
exit $fail
