# Subshells, functions, loops, arithmetic, exit codes.
# expect-exit: 3
x=outer
( x=inner; echo "in: $x"; exit 7 ); echo "sub rc $?, x=$x"
f() { local n=$1; [ "$n" -le 1 ] && { echo 1; return; }; echo $(( n * $(f $((n-1))) )); }
echo "5! = $(f 5)"
i=0; while [ $i -lt 5 ]; do i=$((i+1)); [ $i -eq 3 ] && continue; printf '%d ' $i; done; echo
for w in a b c; do echo "w=$w"; done | tac
case foo.tar.gz in *.gz) echo gz;; *) echo other;; esac
v=$(sh -c 'exit 42'); echo "sh -c rc $?"
{ echo grouped; echo twice; } | wc -l
sh -c 'kill -9 $$'; echo "killed rc $?"
exit 3
