#!/bin/bash
# rxe-guest.sh - the part of .ci/rxe that runs INSIDE the rxe VM (started by
# .ci/rxe-vm.sh with rxe0 up on lo).  Not meant to be run on the host.
#
# Environment (set and exported by .ci/rxe, passed into the guest):
#   RXE_WORK          host dir shared read-write: java.args, launcher.args in;
#                     launcher.rc, jvm-start.txt, ib_write_bw.txt, reports/ out
#   RXE_JAVA          the java launcher (JDK >= 22 from the host root)
#   RXE_TEST_TIMEOUT  seconds for the whole JUnit run
#   RXE_BW_SIZE       ib_write_bw message size in bytes
#   RXE_BW_ITERS      ib_write_bw iterations
#
# Exit status: 0 when every step ran (test results are in the files; the host
# judges them), non-zero only when this script itself could not do its work.
set -euo pipefail

ME=rxe-guest
: "${RXE_WORK:?} ${RXE_JAVA:?} ${RXE_TEST_TIMEOUT:?} ${RXE_BW_SIZE:?} ${RXE_BW_ITERS:?}"
[[ ${RXE_VM:-} == 1 ]] || { echo "$ME: not inside the rxe VM (RXE_VM unset)" >&2; exit 1; }

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

echo "$ME: kernel $(uname -r), $(nproc) vCPUs, $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) MiB," \
     "$(rdma link show 2>/dev/null | head -n1)"

# JVM start-up under emulation, for the record (the host prints it).
t=$(date +%s%N)
"$RXE_JAVA" -version >/dev/null 2>&1 || { echo "$ME: $RXE_JAVA -version failed" >&2; exit 1; }
ms_since "$t" > "$RXE_WORK/jvm-start.txt"

# The tests: every option is in the two argument files written on the host.
t=$(date +%s%N)
run_tests() {
    rc=0
    timeout -k 10 "$RXE_TEST_TIMEOUT" "$RXE_JAVA" "-XX:ErrorFile=$RXE_WORK/hs_err_pid%p.log" \
        "@$RXE_WORK/java.args" execute "@$RXE_WORK/launcher.args" || rc=$?
}
# qemu's multi-threaded TCG occasionally runs a stale translation of code the JIT has just patched on the
# other vCPU (seen here on 2026-12-03: SIGSEGV at the first instruction of a C1-compiled JDK method; never on
# real hardware). That is the emulator, not the code under test: a JVM that dies of a signal (exit status
# 128+n) gets one more run, said plainly; test failures are never retried. The JVM does not always get to
# write an hs_err file (seen 2026-12-03: "Segmentation fault", exit 139, none written), so a SIGSEGV or SIGABRT
# exit counts too; a crash that comes back in the second run fails the step.
rm -f "$RXE_WORK"/hs_err_pid*.log
run_tests
if (( rc > 128 && rc != 137 )) && { compgen -G "$RXE_WORK/hs_err_pid*.log" >/dev/null || (( rc == 139 || rc == 134 )); }; then
    hs=$(ls -1t "$RXE_WORK"/hs_err_pid*.log 2>/dev/null | head -n1)
    echo "$ME: the test JVM crashed under emulation (exit $rc, ${hs:-no hs_err file});" \
         "running the tests once more" >&2
    [[ -n $hs ]] && { grep -m1 -A1 '^# Problematic frame' "$hs" >&2 || true; }
    rm -rf "$RXE_WORK/reports"
    run_tests
fi
echo "$rc" > "$RXE_WORK/launcher.rc"
if [[ $rc == 124 || $rc == 137 ]]; then
    echo "$ME: the JUnit run hit its time limit of ${RXE_TEST_TIMEOUT}s and was killed" >&2
fi
ms_since "$t" > "$RXE_WORK/tests-ms.txt"

# perftest's own RDMA WRITE bandwidth on the same device, for comparison
# (informational).  The guest has no network card: the fixed port is private.
port=18515
bw_args=(-d rxe0 -x 1 -s "$RXE_BW_SIZE" -n "$RXE_BW_ITERS" -F -p "$port")
: > "$RXE_WORK/ib_write_bw.txt"
timeout -k 5 120 ib_write_bw "${bw_args[@]}" > "$RXE_WORK/ib_write_bw-server.txt" 2>&1 &
server=$!
listening=0
for _ in $(seq 1 100); do                      # bounded: at most ~20 s
    if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then listening=1; break; fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.2
done
if [[ $listening == 1 ]]; then
    timeout -k 5 120 ib_write_bw "${bw_args[@]}" 127.0.0.1 > "$RXE_WORK/ib_write_bw.txt" 2>&1 ||
        echo "$ME: ib_write_bw client exited with $?" >&2
else
    echo "$ME: ib_write_bw server did not start listening" >&2
fi
wait "$server" 2>/dev/null || true
exit 0
