#!/bin/bash
# The Debian guest's root: Debian 12 with systemd as PID 1, dbus and crun,
# made with debootstrap from the archive apt uses, into build/debian/root.
# Kept while this script is unchanged: a warm run costs a second.
# mkimage.sh adds the tests; run-qemu.sh boots it for the debian-* modes.
set -eu
. "$(dirname "$0")/common.sh"
D=$BUILD/debian
# The archive apt uses on a Debian machine; MIRROR=... for another one.
MIRROR=${MIRROR:-http://deb.debian.org/debian}
# systemd-oomd and earlyoom: the daemons users run instead, installed
# and masked; the OOM bench (oom_bench.sh) starts them.
PKGS=systemd,systemd-sysv,dbus,crun,procps,systemd-oomd,earlyoom

stamp=$( (cat "$0"; echo "$PKGS") | sha256sum | cut -d' ' -f1)
if [ "$(cat "$D/stamp" 2>/dev/null)" = "$stamp" ] && [ -d "$D/root" ]; then
	echo "debian root up to date ($(du -sh "$D/root" | cut -f1))"
	exit 0
fi
command -v debootstrap >/dev/null || die "debootstrap missing: run 'make deps'"
[ "$(id -u)" = 0 ] || die "debootstrap needs root"
rm -rf "$D"
mkdir -p "$D"
echo "debootstrap bookworm from $MIRROR"
debootstrap --variant=minbase --include=$PKGS bookworm "$D/root.new" "$MIRROR" \
	>"$LOGS/debootstrap.log" 2>&1 || die "debootstrap failed, see $LOGS/debootstrap.log"
R=$D/root.new
# Smaller and quicker to copy into each boot's disk.
rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/lib/apt/lists/* \
	"$R"/usr/share/doc "$R"/usr/share/man "$R"/usr/share/locale
echo debian-guest >"$R/etc/hostname"
: >"$R/etc/machine-id"
# The guest kernel has no udev, no file locking (tinyconfig) and no
# login: units that wait for them fail or time out. The daemons that
# act on OOMs run only where a test starts them.
for u in serial-getty@ttyS0.service getty@tty1.service \
	systemd-sysusers.service systemd-update-utmp.service \
	systemd-update-utmp-runlevel.service earlyoom.service \
	systemd-oomd.service systemd-oomd.socket; do
	ln -sf /dev/null "$R/etc/systemd/system/$u"	# systemctl mask
done
# For the same reason earlyoom runs as root: its unit's DynamicUser=
# allocates a UID with file locks. Its arguments stay Debian's.
mkdir -p "$R/etc/systemd/system/earlyoom.service.d"
printf '[Service]\nDynamicUser=false\n' >"$R/etc/systemd/system/earlyoom.service.d/root.conf"
mv "$R" "$D/root"
echo "$stamp" >"$D/stamp"
echo "debian root: $(du -sh "$D/root" | cut -f1)"
