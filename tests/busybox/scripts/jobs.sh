# Background jobs, wait, trap, kill, signals between shells.
# expect-exit: 4
sleep 0.2 & p1=$!
( sleep 0.1; exit 5 ) & p2=$!
wait $p2; echo "job2 rc $?"
wait $p1; echo "job1 rc $?"
trap 'echo got USR1' USR1
kill -USR1 $$
sleep 0.05
trap - USR1
sh -c 'trap "echo child TERM; exit 9" TERM; while :; do sleep 0.02; done' & c=$!
sleep 0.3
kill -TERM $c; wait $c; echo "child rc $?"
sleep 10 & s=$!
kill $s; wait $s; echo "sleep killed rc $?"
trap 'echo exiting' EXIT
for n in 1 2 3; do (echo "bg $n") & wait $!; done
exit 4
