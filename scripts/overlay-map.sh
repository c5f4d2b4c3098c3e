#!/bin/bash
# Which patch wires in each overlay file: the first patch of the series
# that names the file in a Makefile, Kconfig, index.rst or #include line
# it adds. Prints "PATCH FILE" lines; files of the project only (the QEMU
# config fragment) map to "-".
#   usage: overlay-map.sh
set -eu
. "$(dirname "$0")/common.sh"

series=$(grep -v '^\s*\(#\|$\)' "$TOP/series" | awk '{print $1}')
for f in $(overlay_files); do
	case "$f" in
	kernel/configs/memcg-qemu.config) echo "- $f"; continue ;;
	esac
	stem=$(basename "$f"); stem=${stem%.*}
	# A systemd template (oom_handler@.service) goes with its program.
	stem=${stem%%@*}
	found=-
	for p in $series; do
		# A Makefile or Kbuild line counts in the file's own directory
		# only: lib/test_x.c and a selftest test_x.c share a stem.
		if awk -v stem="$stem" -v dir="$(dirname "$f")" '
			/^\+\+\+ b\// { file = $2; next }
			/^\+/ && file ~ /(Makefile|Kbuild)$/ &&
				file != "b/" dir "/Makefile" && file != "b/" dir "/Kbuild" { next }
			/^\+/ && (file ~ /(Makefile|Kbuild|Kconfig[^\/]*|index\.rst)$/ ||
				  $0 ~ /^\+#include/) {
				line = $0
				while ((i = index(line, stem)) > 0) {
					before = i > 1 ? substr(line, i - 1, 1) : " "
					after = substr(line, i + length(stem), 1)
					if (before !~ /[A-Za-z0-9_]/ && after !~ /[A-Za-z0-9_-]/) {
						found = 1; exit
					}
					line = substr(line, i + length(stem))
				}
			}
			END { exit !found }' "$TOP/patches/$p"; then
			found=$p
			break
		fi
	done
	echo "$found $f"
done
