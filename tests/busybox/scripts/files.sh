# File work: ls, find, cp -r, mv, ln -s, rm, mkdir -p, stat, dd, tar, gzip.
set -e
cd /tmp
mkdir -p w/x/y
echo hello > w/x/y/f
cp -r /data/tree w/copy
find w | sort
mv w/x/y/f w/moved
ln -s moved w/link
readlink w/link; cat w/link
ls -l w/moved w/link | awk '{print $1, $3, $4, $5, $NF}'
ls -la /data | awk 'NR>1 && $NF != "." && $NF != ".." {print $1, $3, $NF}'
stat -c '%n %s %a %F' /data/lines.txt w/moved
chmod 600 w/moved; stat -c '%a' w/moved
dd if=/dev/zero of=w/zeros bs=1k count=64 2>/dev/null; wc -c < w/zeros
tar -C /data -cf w/t.tar tree; tar -tf w/t.tar | sort
gzip -c /data/lines.txt > w/l.gz; gzip -dc w/l.gz
mkdir w/un; tar -C w/un -xf w/t.tar; diff -r /data/tree w/un/tree && echo "tar roundtrip ok"
md5sum w/zeros | cut -d' ' -f1
rm -r w/x; ls w | sort
rmdir w/un 2>/dev/null || echo "rmdir non-empty refused"
echo appended >> w/moved; tail -1 w/moved
cp w/moved w/c2 && cmp w/moved w/c2 && echo same
touch -d '2020-05-06 07:08:09' w/c2; stat -c '%Y' w/c2
[ -e /nonexistent ] || echo "no such file"
cat /nonexistent 2>/dev/null || echo "cat rc $?"
