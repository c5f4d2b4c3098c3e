#!/bin/bash
# Make the guest's boot images:
#   build/img/initramfs.cpio.gz  busybox-static and scripts/guest/init
#   build/img/root               the staging tree of the ext2 test disk:
#                                busybox, the tests, the guest scripts,
#                                /etc/hosts and glibc's NSS for getaddrinfo()
# run-qemu.sh turns the staging tree into a fresh disk for every boot.
set -eu
. "$(dirname "$0")/common.sh"
IMG=$BUILD/img
BUSYBOX=/bin/busybox
file "$BUSYBOX" | grep -q 'statically linked' || die "$BUSYBOX is not static: install busybox-static"

# The initramfs.
rm -rf "$IMG/initramfs"
mkdir -p "$IMG/initramfs"/{bin,sbin,dev,proc,sys,root}
cp "$BUSYBOX" "$IMG/initramfs/bin/busybox"
for a in $("$BUSYBOX" --list | grep -vx busybox); do
	ln -sf busybox "$IMG/initramfs/bin/$a"
done
install -m 755 "$TOP/scripts/guest/init" "$IMG/initramfs/init"
(cd "$IMG/initramfs" && find . | cpio -o -H newc --quiet | gzip -1) >"$IMG/initramfs.cpio.gz.new"
mv "$IMG/initramfs.cpio.gz.new" "$IMG/initramfs.cpio.gz"

# The root disk's staging tree.
R=$IMG/root
rm -rf "$R"
mkdir -p "$R"/{bin,sbin,etc,dev,proc,sys,tmp,scratch,guest,lib64,lib/x86_64-linux-gnu}
chmod 1777 "$R/tmp"
cp "$BUSYBOX" "$R/bin/busybox"
for a in $("$BUSYBOX" --list | grep -vx busybox); do
	ln -sf busybox "$R/bin/$a"
done
install -m 755 "$TOP"/scripts/guest/run.sh "$TOP"/scripts/guest/demo.sh \
	"$TOP"/scripts/guest/bench.sh "$TOP"/scripts/guest/jobs.sh "$R/guest/"
grep -v '^\s*\(#\|$\)' "$TOP/scripts/guest-tests.list" >"$R/guest/tests.list"
cp -a "$BUILD/tests" "$R/tests"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost\n' >"$R/etc/hosts"
printf 'hosts: files\npasswd: files\ngroup: files\n' >"$R/etc/nsswitch.conf"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$R/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$R/etc/group"
# Static glibc loads NSS modules with dlopen(): give it the host's.
for l in libc.so.6 libnss_files.so.2 libnss_dns.so.2 libresolv.so.2; do
	cp -L "/lib/x86_64-linux-gnu/$l" "$R/lib/x86_64-linux-gnu/"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
du -sh "$R" | awk '{print "root disk contents: " $1}'

# The Debian guest's root (debian-* boot modes): mkdebian.sh's Debian 12
# with the reference OOM handler and its unit, the demo's hog, the tests
# listed for those modes, and the service that runs them at boot.
if [ -d "$BUILD/debian/root" ]; then
	DR=$IMG/debian
	rm -rf "$DR"
	cp -al "$BUILD/debian/root" "$DR"
	mkdir -p "$DR/guest" "$DR/tests" "$DR/scratch" "$DR/ct/rootfs/bin"
	install -m 755 "$TOP/scripts/guest/run.sh" "$DR/guest/"
	# The tests and their helpers, once: build-tests.sh copied them.
	ln -s ../tests/debian "$DR/guest/debian"
	grep -v '^\s*\(#\|$\)' "$TOP/scripts/guest-tests.list" |
		awk '$1 ~ /^debian-/' >"$DR/guest/tests.list"
	cp -a "$BUILD/tests/debian" "$DR/tests/"
	install -m 755 "$BUILD/tests/mm/oom_handler" "$DR/usr/local/sbin/"
	install -m 755 "$BUILD/tests/demo/hog" "$BUILD/tests/demo/probe" \
		"$BUILD/tests/demo/oomwatch" "$DR/usr/local/bin/"
	install -m 644 "$TOP/tools/mm/oom_handler@.service" \
		"$TOP/scripts/guest/debian/memcg-check.service" "$DR/etc/systemd/system/"
	ln -s /etc/systemd/system/memcg-check.service \
		"$DR/etc/systemd/system/multi-user.target.wants/"
	# The container's root: busybox and the fork bomb.
	cp "$BUSYBOX" "$DR/ct/rootfs/bin/busybox"
	ln -s busybox "$DR/ct/rootfs/bin/sh"
	install -m 755 "$BUILD/tests/demo/forkbomb" "$DR/ct/rootfs/forkbomb"
	du -sh "$DR" | awk '{print "debian root disk contents: " $1}'
fi
