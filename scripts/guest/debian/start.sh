#!/bin/sh
# PID 1 of the Debian guest is systemd: this runs as memcg-check.service
# once the system is up (memcg-check.service), with stdout on the second
# serial port, which the host reads as the test log. It runs the tests
# listed for the boot mode with /guest/run.sh, as the busybox guest's
# init does, or for debian-oombench the OOM bench (ONLY= is then its
# number of repetitions), and reboots.
mode='' only='' slow=1
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	memcg.mode=*) mode=${arg#memcg.mode=} ;;
	memcg.only=*) only=${arg#memcg.only=} ;;
	memcg.slow=*) slow=${arg#memcg.slow=} ;;
	esac
done
echo "=== GUEST START mode=$mode kernel=$(uname -r) systemd=$(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')"
case "$mode" in
debian-oombench*) /bin/sh /guest/debian/oom_bench.sh "${only:-5}" 2>&1 ;;
*) /bin/sh /guest/run.sh "$mode" "$only" "$slow" 2>&1 ;;
esac
sync
echo "=== GUEST DONE"
systemctl --force --force reboot
