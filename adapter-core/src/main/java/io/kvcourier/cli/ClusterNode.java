package io.kvcourier.cli;

/** One child JVM of {@code kvcourier cluster}: the proxy, a decode node or a prefill node. */
final class ClusterNode {
    final String name;
    final String role; // proxy, decode, prefill
    final int index;
    final String address;
    ChildJvm jvm;
    Lines.Event ready;
    Lines.Event done;
    volatile boolean stopping;
    Integer exitCode;

    ClusterNode(String name, String role, int index, String address) {
        this.name = name;
        this.role = role;
        this.index = index;
        this.address = address;
    }

    /** {@return the problem to report when this node exited with {@code code} while it was not being stopped} */
    String unexpectedExit(int code) {
        return name + " (pid " + jvm.process().pid() + ") exited unexpectedly with " + code
                + (code == 137 || code == 143 ? " (killed)" : "") + "; its log " + jvm.log() + " ends with:\n"
                + jvm.logTail(5);
    }
}
