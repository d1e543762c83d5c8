#!/bin/bash
# rxe-pair-guest.sh ROLE - the part of .ci/rxe's two-guest step that runs INSIDE
# one of the two guests (started by .ci/rxe-vm.sh -n nic: rxe0 on eth0, the
# guest's own IPv4 address, an on-link route to the other guest's subnet).
# Not meant to be run on the host.
#
#   ROLE  receiver (the guest that starts first) or sender
#
# 1. The one cross-host test (VerbsCrossHostRxeTest, tag rdma-cross-host) in
#    this guest's role, against the other guest's address.
# 2. perftest's ib_write_bw over the same path for comparison (informational):
#    server in the receiver guest, client in the sender guest (retries until
#    the server listens: the guests finish their JUnit runs at different times).
#
# Environment (set and exported by .ci/rxe, passed into the guest):
#   RXE_WORK          host dir shared read-write: java.args, cross-host.args in;
#                     cross-host/ROLE/{launcher.rc,reports/,ib_write_bw.txt} out
#   RXE_JAVA          the java launcher (JDK >= 22 from the host root)
#   RXE_TEST_TIMEOUT  seconds for the JUnit run
#   RXE_BW_SIZE, RXE_BW_ITERS  ib_write_bw message size and iterations
#   RXE_PAIR_PEER_IP  the other guest's IPv4 address
#   RXE_VM_IP         this guest's (set by rxe-vm.sh)
#
# Exit status: 0 when every step ran (results are in the files; the host
# judges them), non-zero only when this script itself could not do its work.
set -euo pipefail

ME=rxe-pair-guest
role=${1:?usage: rxe-pair-guest.sh receiver|sender}
case $role in receiver|sender) ;; *) echo "$ME: ROLE must be receiver or sender, got $role" >&2; exit 2 ;; esac
: "${RXE_WORK:?} ${RXE_JAVA:?} ${RXE_TEST_TIMEOUT:?} ${RXE_BW_SIZE:?} ${RXE_BW_ITERS:?} ${RXE_PAIR_PEER_IP:?} ${RXE_VM_IP:?}"
[[ ${RXE_VM:-} == 1 ]] || { echo "$ME: not inside the rxe VM (RXE_VM unset)" >&2; exit 1; }
out=$RXE_WORK/cross-host/$role
mkdir -p "$out"

# The GID index of this guest's IPv4 address (RoCE v2 GID ::ffff:a.b.c.d).
gid_index_of() {
    local want f i
    # shellcheck disable=SC2086  # the address's four octets as four arguments
    want=$(printf '0000:0000:0000:0000:0000:ffff:%02x%02x:%02x%02x' ${1//./ })
    for f in /sys/class/infiniband/rxe0/ports/1/gids/*; do
        i=${f##*/}
        if [[ $(cat "$f" 2>/dev/null) == "$want" &&
              $(cat "/sys/class/infiniband/rxe0/ports/1/gid_attrs/types/$i" 2>/dev/null) == "RoCE v2" ]]; then
            echo "$i"; return 0
        fi
    done
    return 1
}
gid=$(gid_index_of "$RXE_VM_IP") || { echo "$ME: no RoCE v2 GID for $RXE_VM_IP on rxe0" >&2; exit 1; }
echo "$ME: $role guest, kernel $(uname -r), $(nproc) vCPUs, rxe0 on eth0 $RXE_VM_IP (GID index $gid)," \
     "peer $RXE_PAIR_PEER_IP"

t=$(date +%s%N)
rc=0
timeout -k 10 "$RXE_TEST_TIMEOUT" "$RXE_JAVA" "-XX:ErrorFile=$out/hs_err_pid%p.log" \
    "-Dkvcourier.crossHost.role=$role" "-Dkvcourier.crossHost.localIp=$RXE_VM_IP" \
    "-Dkvcourier.crossHost.peerIp=$RXE_PAIR_PEER_IP" \
    "@$RXE_WORK/java.args" execute "@$RXE_WORK/cross-host.args" "--reports-dir=$out/reports" || rc=$?
echo "$rc" > "$out/launcher.rc"
echo $(( ($(date +%s%N) - t) / 1000000 )) > "$out/tests-ms.txt"
[[ $rc == 124 || $rc == 137 ]] && echo "$ME: the JUnit run hit its time limit of ${RXE_TEST_TIMEOUT}s and was killed" >&2

# perftest over the same two GIDs; the port is private to the two guests.
port=18515
bw_args=(-d rxe0 -x "$gid" -s "$RXE_BW_SIZE" -n "$RXE_BW_ITERS" -F -p "$port")
if [[ $role == receiver ]]; then
    timeout -k 5 180 ib_write_bw "${bw_args[@]}" > "$out/ib_write_bw.txt" 2>&1 ||
        echo "$ME: ib_write_bw server exited with $?" >&2
else
    : > "$out/ib_write_bw.txt"
    for _ in $(seq 1 90); do                   # bounded: the receiver's JUnit run may still be closing
        if timeout -k 5 150 ib_write_bw "${bw_args[@]}" "$RXE_PAIR_PEER_IP" > "$out/ib_write_bw.txt" 2>&1; then
            break
        fi
        grep -q "Couldn't connect" "$out/ib_write_bw.txt" || { echo "$ME: ib_write_bw client failed" >&2; break; }
        sleep 2
    done
fi
exit 0
