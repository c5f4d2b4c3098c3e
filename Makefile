# The memcg kmem-limit / OOM-reserve / OOM-reaper series for Linux 6.12.
#
#   make          install deps, prepare the tree, build, boot the demo
#   make check    static checks, then the selftests in QEMU guests
#   make help     every target
#
# BASE=1 runs kernel, demo and check on the unpatched base instead.
# KVM=1 boots with KVM (TCG is the default: KVM fails on these machines).

S := scripts
STEP := $(S)/step.sh
VARIANT := $(if $(filter 1,$(BASE)),base,patched)

.PHONY: all deps prepare kernel tests images demo check check-static \
	check-debug check-series check-configs format-patch bench apply clean help

all: deps prepare kernel tests images demo

help:
	@echo "make               deps, prepare, kernel, tests, images, then boot the demo"
	@echo "make deps          install missing Debian packages with apt-get"
	@echo "make prepare       unpack 6.12 into build/, copy the overlay, quilt push the series (no fuzz)"
	@echo "make kernel        configure (tinyconfig + kernel/configs/memcg-qemu.config) and build bzImage"
	@echo "make tests         build the selftests statically"
	@echo "make images        the busybox initramfs and test disk, and the Debian guest (debootstrap)"
	@echo "make demo          boot the kernel in QEMU and show the series at work"
	@echo "make check         static checks, then the selftests in cgroup v2 and v1 guests,"
	@echo "                   and the v2 guests again on a kernel without CONFIG_MEMCG_V1"
	@echo "make check-static  only the static checks (series, Signed-off-by, checkpatch)"
	@echo "make check-debug   the same guests on a KASAN/lockdep/kmemleak kernel"
	@echo "make check-series  apply and build the series patch by patch (W=1 on touched files)"
	@echo "make check-configs build the touched files under Debian's 6.12 configs (+ MEMCG=n, SWAP=n), W=1"
	@echo "make format-patch  the series as git am-able mails with a cover letter, in build/format-patch"
	@echo "make bench         base and patched kernels booted alike: cost ratios and OOM timings,"
	@echo "                   and OOMs handled by the series, systemd-oomd and earlyoom (Debian guest)"
	@echo "make apply KSRC=D  copy the overlay into your 6.12 tree D and apply the series"
	@echo "make clean         remove build/ (the ccache cache is kept)"
	@echo "make help          this list"
	@echo "options: BASE=1 (unpatched base kernel), KVM=1 (KVM instead of TCG), TIMEOUT=secs (per boot),"
	@echo "         ROUNDS=n (bench rounds, default 2), REPS=n (OOM daemon bench runs, default 5)"

deps:
	@$(STEP) deps $(S)/deps.sh

prepare: deps
	@$(STEP) prepare $(S)/prepare.sh

kernel: prepare
	@$(STEP) "kernel (patched)" $(S)/build-kernel.sh patched
ifeq ($(VARIANT),base)
	@$(STEP) "kernel (base)" $(S)/build-kernel.sh base
endif

tests: kernel
	@$(STEP) tests $(S)/build-tests.sh

images: tests
	@$(STEP) "debian root" $(S)/mkdebian.sh
	@$(STEP) images $(S)/mkimage.sh

demo: images
	@$(STEP) "demo ($(VARIANT))" $(S)/demo.sh $(VARIANT)

check-static: prepare
	@$(S)/check-static.sh

check: images
	@$(STEP) "check ($(VARIANT))" $(S)/check.sh $(VARIANT)

check-debug: images
	@$(STEP) "kernel (debug)" $(S)/build-kernel.sh debug
	@$(STEP) "check (debug)" $(S)/check.sh debug

check-series: kernel
	@$(STEP) check-series $(S)/check-series.sh

check-configs: prepare
	@$(STEP) check-configs $(S)/check-configs.sh

format-patch: prepare
	@$(S)/format-patch.sh

bench: prepare
	@$(STEP) "deps (bench)" $(S)/deps.sh bench
	@$(STEP) "kernel (patched)" $(S)/build-kernel.sh patched
	@$(STEP) "kernel (base)" $(S)/build-kernel.sh base
	@$(STEP) tests $(S)/build-tests.sh
	@$(STEP) "debian root" $(S)/mkdebian.sh
	@$(STEP) images $(S)/mkimage.sh
	@$(STEP) bench $(S)/bench.sh
	@$(STEP) "bench (OOM daemons)" $(S)/bench-daemons.sh

apply:
	@$(S)/apply.sh "$(KSRC)"

clean:
	rm -rf build

