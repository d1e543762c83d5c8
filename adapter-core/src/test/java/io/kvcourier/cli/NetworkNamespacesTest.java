package io.kvcourier.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The cluster's network namespaces (as root with iproute2; skipped otherwise): one per node with its address on a
 * bridge in a namespace of its own, nothing in the root namespace, nodes reach each other, everything is deleted at
 * close, and namespaces of a run that is gone are removed while those of a live run stay.
 */
class NetworkNamespacesTest {

    @BeforeEach
    void needsRoot() {
        String why = NetworkNamespaces.unavailableReason();
        assumeTrue(why == null, "network namespaces need root and iproute2: " + why);
    }

    private static List<String> ours(long pid) {
        return NetworkNamespaces.listOurs().stream().filter(n -> n.startsWith(NetworkNamespaces.PREFIX + pid + "-")).toList();
    }

    @Test
    void nodesGetTheirOwnNamespaceAndAddressAndAllIsDeletedAtClose() throws Exception {
        long pid = ProcessHandle.current().pid();
        Map<String, String> addresses = new LinkedHashMap<>();
        addresses.put("a", "10.213.0.31");
        addresses.put("b", "10.213.0.32");
        NetworkNamespaces net = NetworkNamespaces.create(addresses);
        try {
            assertEquals(List.of(NetworkNamespaces.namespaceName(pid, "bridge"), NetworkNamespaces.namespaceName(pid, "a"),
                    NetworkNamespaces.namespaceName(pid, "b")), net.created());
            assertEquals(3, ours(pid).size(), NetworkNamespaces.listOurs().toString());
            String a = NetworkNamespaces.run(List.of("ip", "-n", net.namespace("a"), "-4", "addr", "show", "dev", "eth0"));
            assertTrue(a.contains("inet 10.213.0.31/24"), a);
            assertFalse(NetworkNamespaces.run(List.of("ip", "-4", "addr", "show")).contains("10.213."),
                    "no address of the test subnet in the root namespace");
            // b reaches a over the bridge: a connection to a closed port of a is refused (a's kernel answers with a
            // reset) rather than timing out or finding no route
            String connect = probe(net.exec("b"), "10.213.0.31");
            assertTrue(connect.contains("Connection refused"), connect);
        } finally {
            net.close();
        }
        assertEquals(List.of(), ours(pid));
        net.close(); // idempotent
    }

    @Test
    void staleNamespacesOfAGoneRunAreRemovedAndThoseOfALiveRunKept() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String stale = NetworkNamespaces.namespaceName(gone.pid(), "decode-0");
        String live = NetworkNamespaces.namespaceName(ProcessHandle.current().pid(), "keep");
        NetworkNamespaces.run(List.of("ip", "netns", "add", stale));
        NetworkNamespaces.run(List.of("ip", "netns", "add", live));
        try {
            List<String> removed = NetworkNamespaces.removeStale();
            assertTrue(removed.contains(stale), removed.toString());
            assertFalse(removed.contains(live), removed.toString());
            List<String> now = NetworkNamespaces.listOurs();
            assertFalse(now.contains(stale), now.toString());
            assertTrue(now.contains(live), now.toString());
        } finally {
            for (String ns : List.of(stale, live)) {
                if (NetworkNamespaces.listOurs().contains(ns)) {
                    NetworkNamespaces.run(List.of("ip", "netns", "delete", ns));
                }
            }
        }
    }

    /** Connects from a namespace to port 9 of {@code address} with bash's /dev/tcp; what bash said. */
    private static String probe(List<String> exec, String address) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(exec);
        cmd.addAll(List.of("timeout", "10", "bash", "-c", "echo > /dev/tcp/" + address + "/9"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS));
        return out;
    }
}
