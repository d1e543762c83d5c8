#!/bin/bash
# shellcheck disable=SC2012,SC2317  # ls over kernel-version dirs; trap-invoked cleanup
# rxe-vm.sh - run one command inside a throw-away qemu guest that has a
# soft-RoCE device (rdma_rxe) called rxe0, with the host's root filesystem
# visible in the guest.
#
#   .ci/rxe-vm.sh [options] [--] COMMAND [ARG...]
#
# kvcourier's own copy of the shared tool (first written outside this repository); .ci/rxe
# drives it.  Differences: the cache is built under a lock (parallel first
# runs are safe) and the initramfs file name carries a hash of its contents,
# so this copy and the shared tool can use one cache without clobbering each
# other's init.
#
# How it works
#   * Boots a Debian 6.1 kernel (linux-image-6.1.*-amd64, which ships rdma_rxe,
#     ib_core, ib_uverbs, rdma_ucm as modules) in qemu-system-x86_64, directly
#     from its uncompressed vmlinux (PVH entry; saves ~3 s under TCG).
#   * A tiny initramfs (busybox-static + the needed .ko files, built once and
#     cached) loads the modules, mounts the host's "/" read-only over virtio-9p,
#     puts a tmpfs overlay on top (the guest can write anywhere; those writes
#     are thrown away), mounts the shared dir(s) read-write at their host paths,
#     creates rxe0 on a guest-internal netdev (lo by default), chroots into
#     that root to run COMMAND with the caller's environment and working dir.
#   * The guest has NO network card: RoCE traffic never leaves the guest.
#   * COMMAND's stdout/stderr are streamed to this script's stdout/stderr
#     (virtio-serial ports); stdin is /dev/null.  Its exit status becomes this
#     script's exit status.  Harness failures: 124 = time limit hit,
#     125 = VM/setup failure (the guest console log tail is printed).
#
# Options (each also settable by the environment variable in brackets)
#   -w DIR      share DIR read-write at the same path (repeatable). Default: the
#               current directory (unless it is "/").  [RXE_VM_SHARE, ':'-list]
#   -m MEM      guest RAM, qemu syntax (default 2G)               [RXE_VM_MEM]
#   -c N        guest vCPUs (default: host CPU count)            [RXE_VM_CPUS]
#   -t SECONDS  time limit for boot + command (default 900)   [RXE_VM_TIMEOUT]
#   -n NETDEV   netdev under rxe0 (default lo)                   [RXE_VM_NETDEV]
#               dummy: guest-only dummy0, 192.0.2.1/24, MTU 9000; verbs AND
#                      rdma_cm (librdmacm, perftest -R) work against 192.0.2.1
#               lo:    rxe0 on the loopback device; raw verbs work against
#                      127.0.0.1 (GID index 1), but rdma_cm does not
#                      (rdma_resolve_route fails)
#               nic:   rxe0 on eth0, a virtio-net NIC joined to ONE other
#                      guest (see -L); the guest's only way out
#   -L listen:PORT | connect:PORT
#               with -n nic: the NIC's frames travel over one TCP connection
#               on the host's 127.0.0.1:PORT to the other guest's NIC (qemu's
#               "-netdev socket,listen=|connect="). Start the listening guest
#               first: a connecting qemu exits if nobody listens yet. TCP, not
#               UDP: qemu's UDP socket backend drops frames when the host
#               socket buffer fills, and rxe then stalls on retransmit timers
#               (1.9 MB/s measured). Nothing else is reachable.   [RXE_VM_LINK]
#   -i ADDR/LEN with -n nic: eth0's IPv4 address (MTU 9000; the MAC is
#               derived from ADDR, so two guests differ)        [RXE_VM_NIC_IP]
#   -r NET/LEN  with -n nic: an on-link route to the other guest's subnet
#               (repeatable), so the two can sit in different subnets
#                                                  [RXE_VM_ROUTES, ' '-list]
#   -a ACCEL    tcg | kvm | auto (default auto: KVM if a probe boot reaches
#               user space within 15 s, else TCG; the probe result is cached)
#                                                               [RXE_VM_ACCEL]
#   -v          copy the guest console (kernel + init log) to stderr at the end
#   -k          keep the per-run control dir (console log etc.), print its path
#   --rebuild   rebuild the cached vmlinux/initramfs and redo the KVM probe
#   -h          this help
#   [RXE_VM_CPU] qemu -cpu model for TCG (default max,erms=off,fsrm=off: TCG
#               emulates "rep movsb" slowly; without ERMS/FSRM the guest kernel
#               copies with other instructions and rxe bandwidth doubles)
#
# Inside the guest: RXE_VM=1, RXE_VM_DEV=rxe0, RXE_VM_IP (127.0.0.1 or
# 192.0.2.1) are set; you are root; /dev/infiniband/{uverbs0,rdma_cm} exist.
#
# Cache: ${RXE_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rxe-vm} (~440 MB)
# holds the unpacked kernel package (fetched with `apt-get download` when no
# 6.1 kernel with rdma_rxe is installed), vmlinux, the initramfs and the KVM
# probe result.  It is built once (~25 s plus the download) under an flock on
# $CACHE/.lock and reused by every later run; keep it between CI stages.
#
# Debian 12 packages needed on the host:
#   qemu-system-x86 busybox-static kmod xz-utils
#   + used from the shared host root inside the guest: iproute2 (ip, rdma),
#     libibverbs1 ibverbs-providers (librxe), plus what COMMAND needs, e.g.
#     ibverbs-utils perftest rdmacm-utils
#   + a kernel: linux-image-6.1.0-*-amd64 (the one linux-image-amd64 depends
#     on), installed or fetched by this script into the cache (needs a prior
#     `apt-get update`).
set -euo pipefail

ME=$(basename "$0")
CACHE=${RXE_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rxe-vm}
MEM=${RXE_VM_MEM:-2G}
CPUS=${RXE_VM_CPUS:-$(nproc)}
TIMEOUT=${RXE_VM_TIMEOUT:-900}
NETDEV=${RXE_VM_NETDEV:-lo}
LINK=${RXE_VM_LINK:-}
NIC_IP=${RXE_VM_NIC_IP:-}
read -r -a ROUTES <<<"${RXE_VM_ROUTES:-}"
ACCEL=${RXE_VM_ACCEL:-auto}
TCG_CPU=${RXE_VM_CPU:-max,erms=off,fsrm=off}
VERBOSE=0
KEEP=0
REBUILD=0
SHARES=()
if [[ -n ${RXE_VM_SHARE:-} ]]; then IFS=: read -r -a SHARES <<<"$RXE_VM_SHARE"; fi

die() { echo "$ME: $*" >&2; exit 125; }
log() { if [[ $VERBOSE == 1 ]]; then echo "$ME: $*" >&2; fi; }

while [[ $# -gt 0 ]]; do
    case $1 in
        -w) SHARES+=("$2"); shift 2 ;;
        -m) MEM=$2; shift 2 ;;
        -c) CPUS=$2; shift 2 ;;
        -t) TIMEOUT=$2; shift 2 ;;
        -n) NETDEV=$2; shift 2 ;;
        -L) LINK=$2; shift 2 ;;
        -i) NIC_IP=$2; shift 2 ;;
        -r) ROUTES+=("$2"); shift 2 ;;
        -a) ACCEL=$2; shift 2 ;;
        -v) VERBOSE=1; shift ;;
        -k) KEEP=1; shift ;;
        --rebuild) REBUILD=1; shift ;;
        -h|--help) sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        --) shift; break ;;
        -*) die "unknown option $1 (see -h)" ;;
        *) break ;;
    esac
done
[[ $# -gt 0 ]] || die "no command given (see -h)"
case $NETDEV in lo|dummy|nic) ;; *) die "-n must be lo, dummy or nic" ;; esac
IPV4_RE='^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})/([0-9]{1,2})$'
if [[ $NETDEV == nic ]]; then
    [[ $LINK =~ ^(listen|connect):([0-9]{1,5})$ ]] || die "-n nic needs -L listen:PORT or -L connect:PORT (got '$LINK')"
    [[ $NIC_IP =~ $IPV4_RE ]] || die "-n nic needs -i IPV4/PREFIX, e.g. 10.70.1.1/24 (got '$NIC_IP')"
    NIC_MAC=$(printf '52:54:00:%02x:%02x:%02x' "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" "${BASH_REMATCH[4]}")
    for r in ${ROUTES[@]+"${ROUTES[@]}"}; do
        [[ $r =~ $IPV4_RE ]] || die "-r needs NET/PREFIX, e.g. 10.70.2.0/24 (got '$r')"
    done
elif [[ -n $LINK || -n $NIC_IP || ${#ROUTES[@]} -gt 0 ]]; then
    die "-L, -i and -r need -n nic"
fi
case $ACCEL in tcg|kvm|auto) ;; *) die "-a must be tcg, kvm or auto" ;; esac
if [[ ${#SHARES[@]} -eq 0 && $PWD != / ]]; then SHARES=("$PWD"); fi

for t in qemu-system-x86_64 depmod modprobe dpkg-deb xz od timeout; do
    command -v "$t" >/dev/null ||
        die "missing $t (apt-get install qemu-system-x86 busybox-static kmod xz-utils)"
done
BUSYBOX=/bin/busybox
[[ -x $BUSYBOX && " $("$BUSYBOX" --list 2>/dev/null | tr '\n' ' ') " == *" insmod "* ]] ||
    die "need busybox-static (/bin/busybox with insmod)"
mkdir -p "$CACHE"
# One builder at a time: held (fd 9) until the per-run part starts.
if command -v flock >/dev/null; then
    exec 9>"$CACHE/.lock"
    flock -w 900 9 || die "could not lock $CACHE/.lock within 900 s"
fi

# ---------------------------------------------------------------- kernel ----
# Finds a bzImage + module tree that has rdma_rxe.  Sets KVER KIMG MODROOT
# (MODROOT is the directory that contains lib/modules/$KVER).
find_kernel() {
    local v pkg
    for v in $(ls -1 "$CACHE/kernel/lib/modules" 2>/dev/null | sort -V -r); do    # 1. cache
        if [[ -f $CACHE/kernel/boot/vmlinuz-$v ]]; then
            KVER=$v; KIMG=$CACHE/kernel/boot/vmlinuz-$v; MODROOT=$CACHE/kernel; return 0
        fi
    done
    for v in $(ls -1 /lib/modules 2>/dev/null | sort -V -r); do                   # 2. installed
        if [[ -f /boot/vmlinuz-$v && -f /lib/modules/$v/modules.dep ]] &&
           ls /lib/modules/"$v"/kernel/drivers/infiniband/sw/rxe/rdma_rxe.ko* >/dev/null 2>&1; then
            KVER=$v; KIMG=/boot/vmlinuz-$v; MODROOT=/; return 0
        fi
    done
    # 3. download the package linux-image-amd64 points to and unpack it into the cache
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
          awk '$1=="Depends:" && $2 ~ /^linux-image-[0-9]/ {print $2; exit}')
    [[ -n $pkg ]] || die "no kernel found and apt-cache knows no linux-image-amd64 (run apt-get update)"
    echo "$ME: fetching $pkg into $CACHE (one-time)" >&2
    rm -rf "$CACHE/dl" "$CACHE/kernel.tmp"; mkdir -p "$CACHE/dl" "$CACHE/kernel.tmp"
    (cd "$CACHE/dl" && timeout 600 apt-get -q -o APT::Sandbox::User=root download "$pkg" >&2) || die "apt-get download $pkg failed"
    dpkg-deb -x "$CACHE"/dl/*.deb "$CACHE/kernel.tmp" || die "dpkg-deb -x failed"
    v=$(ls -1 "$CACHE/kernel.tmp/lib/modules" | head -n1)
    depmod -b "$CACHE/kernel.tmp" "$v" || die "depmod failed"
    rm -rf "$CACHE/kernel" && mv "$CACHE/kernel.tmp" "$CACHE/kernel" && rm -rf "$CACHE/dl"
    KVER=$v; KIMG=$CACHE/kernel/boot/vmlinuz-$v; MODROOT=$CACHE/kernel
}
find_kernel
[[ -f $MODROOT/lib/modules/$KVER/modules.dep ]] || depmod -b "$MODROOT" "$KVER"

# Uncompressed vmlinux (booted through its PVH entry point): the bzImage
# decompressor costs ~3 s under TCG.  Payload location from the setup header.
VMLINUX=$CACHE/vmlinux-$KVER
extract_vmlinux() {
    local ss po pl start
    ss=$(od -An -tu1 -j $((0x1f1)) -N1 "$KIMG" | tr -d ' ')
    po=$(od -An -tu4 -j $((0x248)) -N4 "$KIMG" | tr -d ' ')
    pl=$(od -An -tu4 -j $((0x24c)) -N4 "$KIMG" | tr -d ' ')
    start=$(( (ss + 1) * 512 + po ))
    tail -c +$((start + 1)) "$KIMG" | head -c "$pl" > "$VMLINUX.z"
    case $(od -An -tx1 -N4 "$VMLINUX.z" | tr -d ' ') in
        fd377a58) xz -dc --single-stream < "$VMLINUX.z" > "$VMLINUX.tmp" ;;
        28b52ffd) zstd -qdc < "$VMLINUX.z" > "$VMLINUX.tmp" ;;
        1f8b08*)  gzip -dc < "$VMLINUX.z" > "$VMLINUX.tmp" 2>/dev/null || true ;;
        *) rm -f "$VMLINUX.z"; return 1 ;;
    esac
    rm -f "$VMLINUX.z"
    [[ $(od -An -tx1 -N4 "$VMLINUX.tmp" | tr -d ' ') == 7f454c46 ]] || { rm -f "$VMLINUX.tmp"; return 1; }
    mv "$VMLINUX.tmp" "$VMLINUX"
}
if [[ $REBUILD == 1 || ! -s $VMLINUX ]]; then
    extract_vmlinux || { log "could not extract vmlinux, booting the bzImage"; VMLINUX=$KIMG; }
fi

# ------------------------------------------------------------- initramfs ----
# Modules for the guest; their dependencies come from modules.dep.  crc32 is a
# soft dependency of rdma_rxe (ICRC via the crypto API), hence listed here.
# crc32_pclmul is left out on purpose: under TCG the emulated PCLMULQDQ makes
# rxe ~20% slower than the table-driven crc32_generic.
MODS="virtio_pci virtio_console 9pnet_virtio 9p overlay dummy veth virtio_net crc32_generic
      ib_core ib_uverbs rdma_ucm rdma_rxe"

write_init() {
cat <<'INIT'
#!/bin/busybox sh
# PID 1 of the rxe guest.  Its messages go to the serial console (a log file
# on the host); the command's output goes to the virtio-serial ports.
/bin/busybox mkdir -p /proc /sys /dev /newroot /mnt/lower /mnt/rw /ctl
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
export PATH=/bin
halt_vm() { sync; poweroff -f; sleep 5; echo o > /proc/sysrq-trigger; }
fail() { echo "rxe-vm-init: FAILED: $*"; echo 125 > /ctl/rc 2>/dev/null; halt_vm; }
t() { echo "rxe-vm-init: [$(cut -d' ' -f1 /proc/uptime)] $*"; }
case " $(cat /proc/cmdline) " in *" rxevm.probe "*) echo RXEVM-PROBE-OK; halt_vm ;; esac
t "init start"
while read -r mod args; do
    [ -n "$mod" ] || continue
    insmod "/lib/modules/$mod" $args 2>/dev/null || echo "rxe-vm-init: insmod $mod failed (continuing)"
done < /modules.list
t "modules loaded"

O9P=trans=virtio,version=9p2000.L,msize=262144
mount -t 9p -o $O9P ctl /ctl || fail "mount ctl share"
. /ctl/config                                # RXE_SHARES="tag:path ..."
mount -t 9p -o $O9P,ro,cache=loose hostroot /mnt/lower || fail "mount hostroot"
mount -t tmpfs -o mode=755 rw /mnt/rw
mkdir -p /mnt/rw/upper /mnt/rw/work
if ! mount -t overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work overlay /newroot; then
    echo "rxe-vm-init: overlay failed, root stays read-only"
    mount --bind /mnt/lower /newroot
fi
R=/newroot
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 shm $R/dev/shm
mount -t tmpfs -o mode=755 run $R/run
mkdir -p $R/run/rxe-vm
mount --bind /ctl $R/run/rxe-vm
for s in $RXE_SHARES; do
    mount -t 9p -o $O9P,cache=mmap "${s%%:*}" "$R${s#*:}" || fail "mount share ${s#*:}"
done
t "filesystems mounted"

for p in /sys/class/virtio-ports/*; do        # find the two output ports by name
    case $(cat $p/name 2>/dev/null) in
        rxevm.out) OUT=/dev/${p##*/} ;;
        rxevm.err) ERR=/dev/${p##*/} ;;
    esac
done
[ -n "$OUT" ] && [ -n "$ERR" ] || fail "virtio-serial ports not found"

hostname rxe-vm
chroot $R /bin/sh /run/rxe-vm/setup.sh > /ctl/setup.log 2>&1 || { cat /ctl/setup.log; fail "rxe0 setup"; }
cat /ctl/setup.log
t "rxe0 ready, running command"
chroot $R /bin/bash /run/rxe-vm/cmd.sh > $OUT 2> $ERR < /dev/null
rc=$?
t "command exited with $rc"
echo $rc > /ctl/rc
sync
umount $R/run/rxe-vm /ctl 2>/dev/null
halt_vm
INIT
}

# Named by a hash of what goes into it: a changed init or module list (here or
# in another copy of this script sharing the cache) gets its own file.
INITRD_KEY=$( { write_init; echo "$MODS"; cksum < "$BUSYBOX"; } | cksum | cut -d' ' -f1)
INITRD=$CACHE/initrd-$KVER-$INITRD_KEY.cpio.gz
build_initrd() {
    local tmp ko args base
    tmp=$(mktemp -d "$CACHE/initrd.XXXXXX")
    mkdir -p "$tmp/bin" "$tmp/lib/modules" "$tmp/dev" "$tmp/proc" "$tmp/sys"
    cp "$BUSYBOX" "$tmp/bin/busybox"
    for base in $("$BUSYBOX" --list); do [[ $base == busybox ]] || ln -s busybox "$tmp/bin/$base"; done
    : > "$tmp/modules.list"
    for base in $MODS; do
        modprobe -d "$MODROOT" -S "$KVER" --show-depends "$base" 2>/dev/null || true
    done | awk '$1=="insmod"' > "$tmp/deps"
    while read -r _ ko args; do
        base=$(basename "$ko"); base=${base%.xz}; base=${base%.zst}
        grep -q "^$base " "$tmp/modules.list" && continue
        case $ko in
            *.ko) cp "$ko" "$tmp/lib/modules/$base" ;;
            *.ko.xz) xz -dc "$ko" > "$tmp/lib/modules/$base" ;;
            *.ko.zst) zstd -qdc "$ko" > "$tmp/lib/modules/$base" ;;
        esac
        echo "$base ${args:-}" >> "$tmp/modules.list"
    done < "$tmp/deps"
    rm -f "$tmp/deps"
    grep -q '^rdma_rxe.ko ' "$tmp/modules.list" || die "rdma_rxe not found in $MODROOT/lib/modules/$KVER"
    write_init > "$tmp/init"; chmod 755 "$tmp/init"
    (cd "$tmp" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null | gzip -1) > "$INITRD.tmp"
    mv "$INITRD.tmp" "$INITRD"
    rm -rf "$tmp"
}
if [[ $REBUILD == 1 || ! -s $INITRD ]]; then
    log "building $INITRD"
    build_initrd
fi

# ---------------------------------------------------------- accelerator ----
TCG_OPTS=(-accel "tcg,thread=single,tb-size=512" -cpu "$TCG_CPU")
KVM_OPTS=(-accel kvm -cpu "host,-arch-capabilities")
kvm_works() {
    # A KVM that only emulates (e.g. a nested PVM host) boots far slower than
    # TCG or not at all: require user space within 15 s.
    local f
    f=$CACHE/kvm-probe-$(uname -r)-$KVER
    if [[ $REBUILD == 1 || ! -f $f ]]; then
        if [[ -r /dev/kvm && -w /dev/kvm ]] &&
           timeout -k 5 15 qemu-system-x86_64 "${KVM_OPTS[@]}" -m 256 -machine pc -nodefaults \
               -display none -no-reboot -nic none -serial stdio -kernel "$VMLINUX" -initrd "$INITRD" \
               -append "console=ttyS0 quiet panic=-1 rdinit=/init rxevm.probe" </dev/null 2>/dev/null |
               grep -q RXEVM-PROBE-OK; then
            echo yes > "$f"
        else
            echo no > "$f"
        fi
    fi
    [[ $(cat "$f") == yes ]]
}
case $ACCEL in
    tcg)  ACCEL_OPTS=("${TCG_OPTS[@]}") ;;
    kvm)  ACCEL_OPTS=("${KVM_OPTS[@]}") ;;
    auto) if kvm_works; then ACCEL_OPTS=("${KVM_OPTS[@]}"); else ACCEL_OPTS=("${TCG_OPTS[@]}"); fi ;;
esac

# ------------------------------------------------------------ per run -------
if command -v flock >/dev/null; then exec 9>&-; fi     # cache ready: unlock
CTL=$(mktemp -d -t rxe-vm.XXXXXX)
QPID=
RELAYS=()
cleanup() {
    local p
    for p in $QPID "${RELAYS[@]}"; do kill "$p" 2>/dev/null || true; done
    if [[ $KEEP == 1 ]]; then echo "$ME: control dir kept: $CTL" >&2; else rm -rf "$CTL"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 9p shares: hostroot (read-only), ctl (per-run control dir), s0..sN
FSDEVS=(-fsdev "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap"
        -device "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot"
        -fsdev "local,id=ctl,path=$CTL,security_model=none"
        -device "virtio-9p-pci,fsdev=ctl,mount_tag=ctl")
SHARE_SPEC=
i=0
for d in "${SHARES[@]}"; do
    d=$(realpath -e "$d") || die "share dir $d does not exist"
    [[ -d $d && $d != / ]] || die "share $d must be a directory other than /"
    [[ $d != *[[:space:],:]* ]] || die "share path must not contain spaces, ',' or ':': $d"
    FSDEVS+=(-fsdev "local,id=s$i,path=$d,security_model=none,multidevs=remap"
             -device "virtio-9p-pci,fsdev=s$i,mount_tag=s$i")
    SHARE_SPEC+=" s$i:$d"
    i=$((i+1))
done
echo "RXE_SHARES=\"$SHARE_SPEC\"" > "$CTL/config"

# rxe0 setup, run inside the guest root (the host's iproute2: ip, rdma)
case $NETDEV in
    dummy) RXE_IP=192.0.2.1 ;;
    nic)   RXE_IP=${NIC_IP%/*} ;;
    *)     RXE_IP=127.0.0.1 ;;
esac
cat > "$CTL/setup.sh" <<EOF
set -e
ip link set lo up
if [ $NETDEV = dummy ]; then
    # guest-only dummy netdev; the guest has no NIC, nothing can leave it
    ip link add dummy0 type dummy
    ip link set dummy0 mtu 9000          # lets rxe0 use the 4096-byte IB MTU
    ip addr add $RXE_IP/24 dev dummy0
    ip link set dummy0 up
    rdma link add rxe0 type rxe netdev dummy0
elif [ $NETDEV = nic ]; then
    # the virtio-net NIC (the kernel names it eth0: no udev here)
    ip link set eth0 mtu 9000
    ip addr add $NIC_IP dev eth0
    ip link set eth0 up
    for r in ${ROUTES[*]:-}; do ip route add \$r dev eth0; done
    rdma link add rxe0 type rxe netdev eth0
else
    rdma link add rxe0 type rxe netdev lo
fi
rdma link show
EOF

# the command, with the caller's environment and working directory
{
    export -p | grep -Ev '^declare -x (BASH_[A-Z_]*|SHLVL|PWD|OLDPWD|_|HOSTNAME|TERM)=' || true
    echo "export RXE_VM=1 RXE_VM_DEV=rxe0 RXE_VM_IP=$RXE_IP"
    printf 'cd %q 2>/dev/null || cd /\n' "$PWD"
    printf 'exec'; printf ' %q' "$@"; printf '\n'
} > "$CTL/cmd.sh"

NIC_OPTS=(-nic none)
if [[ $NETDEV == nic ]]; then
    NIC_OPTS=(-netdev "socket,id=n0,${LINK%%:*}=127.0.0.1:${LINK#*:}"
              -device "virtio-net-pci,netdev=n0,mac=$NIC_MAC")
fi
log "kernel $VMLINUX ($KVER), accel ${ACCEL_OPTS[1]}, mem $MEM, cpus $CPUS, netdev $NETDEV${LINK:+ ($LINK, $NIC_IP)}, shares:${SHARE_SPEC:- none}"
# The guest's stdout/stderr arrive on two virtio-serial ports whose qemu
# chardevs write into FIFOs; cat relays them to our own fds 1 and 2 (writing
# through the inherited fds keeps ordering right when they are regular files).
mkfifo "$CTL/out.fifo" "$CTL/err.fifo"
cat "$CTL/out.fifo" & RELAYS+=($!)
cat "$CTL/err.fifo" >&2 & RELAYS+=($!)

T0=$(date +%s%N)
# bounded: timeout(1) sends TERM after $TIMEOUT s, KILL 10 s later
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 "${ACCEL_OPTS[@]}" -smp "$CPUS" -m "$MEM" \
    -machine pc -nodefaults -no-user-config -display none -no-reboot "${NIC_OPTS[@]}" \
    -kernel "$VMLINUX" -initrd "$INITRD" \
    -append "console=ttyS0 quiet loglevel=4 panic=-1 rdinit=/init mitigations=off" \
    -serial "file:$CTL/console.log" \
    "${FSDEVS[@]}" \
    -device virtio-serial-pci \
    -chardev "file,id=cout,path=$CTL/out.fifo" -device virtserialport,chardev=cout,name=rxevm.out \
    -chardev "file,id=cerr,path=$CTL/err.fifo" -device virtserialport,chardev=cerr,name=rxevm.err \
    </dev/null &
QPID=$!
QRC=0
wait "$QPID" || QRC=$?
QPID=
# relays end by themselves at EOF; if qemu died before opening a FIFO, a relay
# would block forever in open(): give them a moment, then kill them by PID
for p in "${RELAYS[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
done
RELAYS=()
[[ $QRC == 124 || $QRC == 137 ]] && echo "$ME: time limit of ${TIMEOUT}s hit, VM killed" >&2
log "qemu exited rc=$QRC after $(( ($(date +%s%N) - T0) / 1000000 )) ms"

if [[ $VERBOSE == 1 && -f $CTL/console.log ]]; then
    sed 's/\r$//; s/^/[guest] /' "$CTL/console.log" >&2
fi
if [[ -s $CTL/rc ]]; then
    rc=$(cat "$CTL/rc")
    if [[ $rc == 125 ]] && grep -q 'rxe-vm-init: FAILED' "$CTL/console.log" 2>/dev/null; then
        echo "$ME: guest setup failed:" >&2; tail -n 30 "$CTL/console.log" >&2
    fi
    exit "$rc"
fi
echo "$ME: guest did not report an exit status (qemu rc=$QRC); console tail:" >&2
tail -n 30 "$CTL/console.log" >&2 2>/dev/null || true
[[ $QRC == 124 || $QRC == 137 ]] && exit 124
exit 125
