# Pipelines, redirections, here-documents, command substitution.
set -e
cat /data/fruit.txt | sort | uniq -c | sort -rn
sort -u /data/fruit.txt | tr a-z A-Z | head -2
echo "lines: $(wc -l < /data/lines.txt)"
grep -n o /data/lines.txt | cut -d: -f1 | paste -sd+ | xargs -I{} sh -c 'echo $(({}))'
cat <<END | sed 's/x/y/g'
xxx here x
END
echo abc 2>&1 >/dev/null | wc -c
printf '%s-%d\n' a 1 b 2
false | true; echo "pipe status $?"
seq 1 2000 | tail -1
yes hello | head -3
