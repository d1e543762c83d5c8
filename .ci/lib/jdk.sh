#!/bin/bash
# jdk.sh - find a JDK of at least a given feature version (source this file).
#
#   ci_find_jdk 22     prints the home of the newest JDK >= 22 and returns 0,
#                      or prints nothing and returns 1
#
# Looks at $KVCOURIER_JDK (a JDK home) first, then $JAVA_HOME, then every
# /usr/lib/jvm/*; a JDK is recognised by bin/java, bin/javac and the
# JAVA_VERSION line of its `release` file (CI's JDK is
# /usr/lib/jvm/temurin-25-jdk-amd64, found by the /usr/lib/jvm scan).

# Prints the feature version (25 for "25.0.1", 1 for "1.8.0") of the JDK home $1.
ci_jdk_feature() {
    local v
    [[ -x $1/bin/java && -x $1/bin/javac && -r $1/release ]] || return 1
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release")
    [[ -n $v ]] || return 1
    echo "$v"
}

ci_find_jdk() {
    local min=$1 best='' best_v=0 h v
    for h in ${KVCOURIER_JDK:+"$KVCOURIER_JDK"} ${JAVA_HOME:+"$JAVA_HOME"} /usr/lib/jvm/*; do
        h=$(realpath -e "$h" 2>/dev/null) || continue
        v=$(ci_jdk_feature "$h") || continue
        if [[ -n ${KVCOURIER_JDK:-} && $h == "$(realpath -e "$KVCOURIER_JDK" 2>/dev/null)" && $v -ge $min ]]; then
            echo "$h"; return 0                 # an explicit choice wins
        fi
        if (( v >= min && v > best_v )); then best=$h; best_v=$v; fi
    done
    [[ -n $best ]] || return 1
    echo "$best"
}
