#!/bin/bash
# Boot a kernel in QEMU once, with a timeout, and collect its two logs:
#   build/logs/VARIANT-MODE.console.log  the kernel console (ttyS0)
#   build/logs/VARIANT-MODE.tap.log      the guest's test output (ttyS1)
#   usage: run-qemu.sh patched|base|debug|v2only MODE
# MODE is demo, v2 or v1 (the cgroup version the guest mounts), or
# debian-v2 or debian-v1 (the Debian guest of mkdebian.sh, systemd as PID 1
# on its unified or legacy cgroup hierarchy) or debian-oombench (its OOM
# bench, bench-daemons.sh), with an
# optional -Ncpu suffix for N vCPUs (default 2, like the host), e.g.
# v2-32cpu, or -NM for N MiB of memory (default 2G), e.g. v1-512M.
# Environment: TIMEOUT (seconds, default 1800, debug kernel 7200), MEM and SMP (override the
# suffixes), ONLY (run only the test of that name), KVM=1 to use KVM
# instead of TCG (fails on these machines), ICOUNT=1 for guest time that
# counts instructions (single-threaded TCG, for the bench), SLOW=N to
# multiply the guest's per-test time limits (default 1, debug kernel 6).
set -eu
. "$(dirname "$0")/common.sh"
variant_dirs "$1"
MODE=$2
if [ "$1" = debug ]; then TIMEOUT=${TIMEOUT:-7200}; fi
TIMEOUT=${TIMEOUT:-1800}
case "$MODE" in
*-*cpu) cpus=${MODE##*-}; SMP=${SMP:-${cpus%cpu}} ;;
*-*M) MEM=${MEM:-${MODE##*-}} ;;
esac
SMP=${SMP:-2}
EXTRA=
if [ "$1" = debug ]; then
	SLOW=${SLOW:-6}
	# The timing detectors fire on the emulator's slowness under KASAN
	# and lockdep (soft lockups in ACPI init at boot, RCU stalls): off,
	# and the hung task detector at SLOW times its timeout. KASAN,
	# lockdep, DEBUG_VM, kmemleak and the rest stay on.
	EXTRA="nowatchdog rcupdate.rcu_cpu_stall_suppress=1"
	EXTRA="$EXTRA sysctl.kernel.hung_task_timeout_secs=$((120 * SLOW))"
fi
KERNEL=$OBJ/arch/x86/boot/bzImage
[ -f "$KERNEL" ] || die "$KERNEL missing: run 'make kernel'"
[ -f "$BUILD/img/initramfs.cpio.gz" ] || die "images missing: run 'make images'"

ROOT=$BUILD/img/root
INITRD="-initrd $BUILD/img/initramfs.cpio.gz"
case "$MODE" in
debian-*)
	ROOT=$BUILD/img/debian
	[ -d "$ROOT" ] || die "$ROOT missing: run 'make images'"
	# No initramfs: systemd is PID 1 on the disk.
	INITRD=
	EXTRA="${EXTRA:+$EXTRA }root=/dev/vda rw init=/lib/systemd/systemd systemd.show_status=0"
	case "$MODE" in
	# systemd's legacy mode: v1 only, no cgroup2 beside it (crun
	# refuses the hybrid mode).
	debian-v1*) EXTRA="$EXTRA systemd.unified_cgroup_hierarchy=0 systemd.legacy_systemd_cgroup_controller=1" ;;
	esac
	;;
esac

RUN=$BUILD/run/$1-$MODE
rm -rf "$RUN"
mkdir -p "$RUN"
# A fresh disk every boot: 2 GiB sparse ext2 from the staging tree with
# this kernel's modules (build-kernel.sh), and swap.
cp -al "$ROOT" "$RUN/root"
if [ -d "$OBJ/modules/lib" ]; then
	cp -a "$OBJ/modules/lib/." "$RUN/root/lib/"
fi
truncate -s 2G "$RUN/root.img"
mke2fs -q -F -t ext2 -b 4096 -d "$RUN/root" "$RUN/root.img"
rm -rf "$RUN/root"
truncate -s 1G "$RUN/swap.img"
mkswap "$RUN/swap.img" >/dev/null 2>&1

if [ "${KVM:-0}" = 1 ]; then
	ACCEL="-accel kvm -cpu host"
elif [ "${ICOUNT:-0}" = 1 ]; then
	# Guest time from the count of instructions executed: what the bench
	# measures is then the guest's work, whatever the host is doing.
	ACCEL="-accel tcg,thread=single -icount shift=0,sleep=off -cpu max"
else
	ACCEL="-accel tcg,thread=multi -cpu max"
fi
CONSOLE=$LOGS/$1-$MODE.console.log
TAP=$LOGS/$1-$MODE.tap.log
: >"$CONSOLE"
: >"$TAP"

# shellcheck disable=SC2086
timeout --foreground -k 10 "$TIMEOUT" qemu-system-x86_64 $ACCEL \
	-smp "$SMP" -m "${MEM:-2G}" -nodefaults -display none -no-reboot \
	-kernel "$KERNEL" $INITRD \
	-append "console=ttyS0 panic=-1 oops=panic softlockup_panic=0 memcg.mode=$MODE${ONLY:+ memcg.only=$ONLY}${SLOW:+ memcg.slow=$SLOW}${EXTRA:+ $EXTRA}" \
	-drive "file=$RUN/root.img,if=virtio,format=raw" \
	-drive "file=$RUN/swap.img,if=virtio,format=raw" \
	-serial "file:$CONSOLE" -serial "file:$TAP" \
	</dev/null >"$LOGS/$1-$MODE.qemu.log" 2>&1 && rc=0 || rc=$?
rm -f "$RUN/root.img" "$RUN/swap.img"
if [ $rc = 124 ] || [ $rc = 137 ]; then
	echo "=== GUEST TIMEOUT after ${TIMEOUT}s" >>"$TAP"
	echo "boot $1/$MODE: timed out after ${TIMEOUT}s" >&2
	exit 124
elif [ $rc != 0 ]; then
	echo "=== QEMU FAILED rc=$rc" >>"$TAP"
	cat "$LOGS/$1-$MODE.qemu.log" >&2
	exit $rc
fi
