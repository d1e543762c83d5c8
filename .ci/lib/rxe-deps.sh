#!/bin/bash
# rxe-deps.sh - make sure the Debian packages the soft-RoCE VM harness needs
# (.ci/rxe-vm.sh, .ci/rxe) are installed, and that apt knows the kernel
# package the harness downloads on its first run.
#
#   .ci/lib/rxe-deps.sh            install what is missing (needs root), or
#                                  name it and fail (exit 1) when not root
#   source .ci/lib/rxe-deps.sh     defines rxe_deps_ensure / rxe_deps_missing
#
# Packages: qemu-system-x86 busybox-static kmod xz-utils (the VM itself),
# iproute2 libibverbs1 ibverbs-providers (rdma tool, libibverbs, librxe; used
# from the host root inside the guest), ibverbs-utils perftest (ibv_devinfo,
# ib_write_bw).  Installs are non-interactive (`apt-get -y`, no recommends).

RXE_DEPS_PACKAGES=(qemu-system-x86 busybox-static kmod xz-utils iproute2
                   libibverbs1 ibverbs-providers ibverbs-utils perftest)

# Prints the packages of RXE_DEPS_PACKAGES that are not installed, one a line.
rxe_deps_missing() {
    local p
    for p in "${RXE_DEPS_PACKAGES[@]}"; do
        [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || echo "$p"
    done
}

# Installs missing packages (as root), runs `apt-get update` first when
# something is missing or apt has no package lists (the harness needs them to
# download its kernel).  Returns non-zero with a message naming what is
# missing when that cannot be done.
rxe_deps_ensure() {
    local missing=() lists_ok=1
    command -v dpkg-query >/dev/null || { echo "rxe-deps: not a Debian system (no dpkg-query)" >&2; return 1; }
    mapfile -t missing < <(rxe_deps_missing)
    apt-cache show linux-image-amd64 >/dev/null 2>&1 || lists_ok=0
    if [[ ${#missing[@]} -eq 0 && $lists_ok == 1 ]]; then
        return 0
    fi
    if [[ $(id -u) != 0 ]]; then
        if [[ ${#missing[@]} -gt 0 ]]; then
            echo "rxe-deps: missing packages: ${missing[*]} (run as root: apt-get update && apt-get install -y ${missing[*]})" >&2
            return 1
        fi
        # Lists are only needed for the one-time kernel download; a cache may make them unnecessary.
        echo "rxe-deps: warning: apt knows no linux-image-amd64 (run apt-get update as root if the kernel is not cached yet)" >&2
        return 0
    fi
    echo "rxe-deps: apt-get update" >&2
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get -q update >&2 || { echo "rxe-deps: apt-get update failed" >&2; return 1; }
    if [[ ${#missing[@]} -gt 0 ]]; then
        echo "rxe-deps: installing ${missing[*]}" >&2
        DEBIAN_FRONTEND=noninteractive timeout 900 apt-get -q -y --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            install "${missing[@]}" >&2 || { echo "rxe-deps: apt-get install ${missing[*]} failed" >&2; return 1; }
    fi
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -euo pipefail
    rxe_deps_ensure
fi
