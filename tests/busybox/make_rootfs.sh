#!/usr/bin/env bash
# make_rootfs.sh DIR SCRIPTS_DIR: a busybox root filesystem in DIR (which
# must not exist): Debian's static busybox with every applet linked under
# /bin, a minimal /etc, empty /proc /dev /sys /tmp, and the test scripts
# under /scripts. The same tree serves the native reference run and the
# sandbox run, so the two see identical files.
set -euo pipefail
dir=$1
scripts=$2
bb=/bin/busybox
[ -x "$bb" ] || { echo "make_rootfs: $bb missing (apt install busybox-static)" >&2; exit 1; }
file -L "$bb" 2>/dev/null | grep -q "statically linked" || ldd "$bb" 2>&1 | grep -q "not a dynamic" ||
  { echo "make_rootfs: $bb is not static" >&2; exit 1; }
mkdir -p "$dir"/{bin,etc,proc,dev,sys,tmp,root,scripts,data}
chmod 1777 "$dir/tmp"
cp "$bb" "$dir/bin/busybox"
for applet in $("$bb" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$dir/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$dir/etc/group"
echo sandbox > "$dir/etc/hostname"
cp "$scripts"/*.sh "$dir/scripts/"
# Fixed content with fixed times for listings.
printf 'one\ntwo\nthree\n' > "$dir/data/lines.txt"
printf 'zebra\napple\nmango\napple\n' > "$dir/data/fruit.txt"
mkdir -p "$dir/data/tree/a/b"
echo leaf > "$dir/data/tree/a/b/leaf.txt"
echo top > "$dir/data/tree/top.txt"
find "$dir/data" -exec touch -h -d '2024-01-02 03:04:05' {} +
