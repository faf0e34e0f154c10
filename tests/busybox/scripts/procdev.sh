# Reads of /proc and /dev as scripts do them.
set -e
cut -d' ' -f3 /proc/self/stat
grep -c '^processor' /proc/cpuinfo >/dev/null && echo cpuinfo ok
head -1 /proc/meminfo | cut -d: -f1
test -r /proc/uptime && echo uptime readable
cat /proc/sys/kernel/ostype
cat /proc/sys/kernel/hostname
tr '\0' ' ' < /proc/self/cmdline; echo
readlink /proc/self/exe
ls /proc/self/fd | sort -n | head -3
head -c 8 /dev/zero | od -An -tx1
echo discard > /dev/null; wc -c < /dev/null
head -c 16 /dev/urandom | wc -c
(echo x > /dev/full) 2>/dev/null || echo "full: write failed"
hostname
