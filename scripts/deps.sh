#!/bin/bash
# Install what the pipeline needs from Debian's archive, saying what.
#   usage: deps.sh [bench]
set -eu
. "$(dirname "$0")/common.sh"

# linux-config-6.12: Debian's own configs, for check-configs.sh;
# debootstrap: the Debian guest (mkdebian.sh).
PKGS="linux-source-6.12 linux-config-6.12 qemu-system-x86 busybox-static
quilt ccache gcc make libc6-dev bc bison flex libelf-dev libssl-dev perl
cpio gzip xz-utils rsync e2fsprogs util-linux file debootstrap"
# make bench also plots.
[ "${1:-}" != bench ] || PKGS="gnuplot-nox"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "all build dependencies are installed"
	exit 0
fi

echo "installing:$missing"
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update >"$LOGS/apt-update.log" 2>&1 ||
	die "apt-get update failed, see $LOGS/apt-update.log"
# shellcheck disable=SC2086
$SUDO apt-get install -y --no-install-recommends $missing \
	>"$LOGS/apt-install.log" 2>&1 ||
	die "apt-get install failed, see $LOGS/apt-install.log"
echo "installed:$missing"
