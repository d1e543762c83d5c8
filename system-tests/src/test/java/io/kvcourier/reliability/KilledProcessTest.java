package io.kvcourier.reliability;

import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.notify.ProxyListener;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;
import io.kvcourier.testkit.HeldTcpChannel;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.kvcourier.testkit.TaskWaiter.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real process deaths over tcp: a peer adapter runs in a child JVM ({@link ChildAdapter}) and is killed with
 * SIGKILL while a batch is half-way through its data connection (held on the receiver). No close() runs in the
 * dead process; the survivor must cope from its own deadlines.
 */
@Timeout(180)
class KilledProcessTest {

    /** A child JVM with the test class path and the flags surefire gives us; its stdout lines in a queue. */
    private static final class Child implements AutoCloseable {
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Child(String... args) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-Dmsgpack.universal-buffer=true", "-Xmx256m",
                    "-cp", System.getProperty("java.class.path"), ChildAdapter.class.getName()));
            cmd.addAll(List.of(args));
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (java.io.IOException ignored) {
                    // the child died
                }
            });
        }

        String await(String prefix) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new AssertionError("child never printed " + prefix + " (alive: " + process.isAlive() + ")");
                }
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        }

        void kill() throws InterruptedException {
            process.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
                try {
                    process.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static String json(Map<String, Object> m) {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append('"').append(e.getKey()).append("\":");
            Object v = e.getValue();
            b.append(v instanceof String s ? "\"" + s + "\"" : v instanceof List<?> l ? l.stream()
                    .map(x -> x instanceof String s ? "\"" + s + "\"" : String.valueOf(x))
                    .collect(java.util.stream.Collectors.joining(",", "[", "]")) : String.valueOf(v));
        }
        return b.append('}').toString();
    }

    private static void tcp(Map<String, Object> m) {
        m.put("transfer_channel", "nixl");
        m.put("nixl_backends", List.of("tcp"));
    }

    @Test
    void receiverProcessKilledMidTransfer() throws Exception {
        try (Arena arena = Arena.ofShared(); ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0)) {
            Map<String, Object> r = PdPair.base("receiver", PdPair.SMALL_CHUNK);
            tcp(r);
            r.put("peer_init_port", List.of(0));
            r.put("peer_alloc_port", List.of(0));
            int allocPort;
            int initPort;
            try (Child receiver = new Child("receiver-hold", json(r))) {
                String[] ports = receiver.await("PORTS").split(" ");
                allocPort = Integer.parseInt(ports[1]);
                initPort = Integer.parseInt(ports[2]);
                Map<String, Object> s = PdPair.base("sender", PdPair.SMALL_CHUNK);
                tcp(s);
                s.put("peer_init_port", List.of(initPort));
                s.put("peer_alloc_port", List.of(allocPort));
                s.put("proxy_host", "127.0.0.1");
                s.put("proxy_port", proxy.port());
                s.put("notify_timeout_sec", 20);
                s.put("handshake_timeout_sec", 3);
                s.put("allocation_timeout_sec", 3);
                try (PdL2Adapter sender = new PdL2Adapter(PdL2AdapterConfig.fromMap(s),
                        io.kvcourier.channel.tcp.TcpChannel.FACTORY); TaskWaiter ws = new TaskWaiter(sender)) {
                    long t0 = System.nanoTime();
                    long id = sender.submitStoreTask(PdPair.keys("k", 3), PdPair.chunks(arena, 3, 1),
                            new TransferSpec("k", true, 3));
                    receiver.await("HELD");
                    receiver.kill();
                    assertThat(ws.awaitStore(id, WAIT)).as("the in-flight store fails").isFalse();
                    assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("within the transfer deadline plus slack")
                            .isLessThan(Duration.ofSeconds(15));
                    assertThat(proxy.awaitReady("k", 1, WAIT)).as("the proxy is still told").isTrue();
                    assertThat(PdPair.intStatus(sender, "staging_pages_free"))
                            .isEqualTo(PdPair.intStatus(sender, "staging_pages"));

                    Map<String, Object> again = PdPair.base("receiver", PdPair.SMALL_CHUNK);
                    tcp(again);
                    again.put("peer_init_port", List.of(initPort));
                    again.put("peer_alloc_port", List.of(allocPort));
                    try (PdL2Adapter back = new PdL2Adapter(PdL2AdapterConfig.fromMap(again),
                            io.kvcourier.channel.tcp.TcpChannel.FACTORY); TaskWaiter wr = new TaskWaiter(back)) {
                        List<ObjectKey> keys = PdPair.keys("back", 2);
                        List<MemoryObj> src = PdPair.chunks(arena, 2, 2);
                        assertThat(ws.awaitStore(sender.submitStoreTask(keys, src, new TransferSpec("back", true, 2)),
                                WAIT))
                                .as("the sender succeeds against a receiver back on the same ports").isTrue();
                        assertThat(proxy.awaitReady("back", 1, WAIT)).isTrue();
                        List<MemoryObj> dst = PdPair.empty(arena, 2);
                        assertThat(wr.load(keys, dst).popcount()).isEqualTo(2);
                        assertThat(PdPair.crc(dst.get(0))).isEqualTo(PdPair.crc(src.get(0)));
                    }
                }
            }
        }
    }

    /**
     * Issue 13's bound: with long transfer and allocation deadlines (30 s), a receiver killed with SIGKILL while one
     * store is half-way through its data connection and two more wait for their allocations (the receiver holds
     * their replies: no room) makes every one of them fail within 2 s — the kernel's RST ends the control
     * connections, their monitors report it, and the sender fails everything pending to that receiver at once.
     */
    @Test
    void everyInFlightStoreOfAKilledReceiverFailsWithinTwoSeconds() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Map<String, Object> r = PdPair.base("receiver", PdPair.SMALL_CHUNK);
            tcp(r);
            r.put("peer_init_port", List.of(0));
            r.put("peer_alloc_port", List.of(0));
            r.put("buffer_size", 4 * PdPair.SMALL_CHUNK);
            r.put("allocation_timeout_sec", 30);
            r.put("transfer_timeout_sec", 30);
            try (Child receiver = new Child("receiver-hold", json(r))) {
                String[] ports = receiver.await("PORTS").split(" ");
                Map<String, Object> s = PdPair.base("sender", PdPair.SMALL_CHUNK);
                tcp(s);
                s.put("peer_alloc_port", List.of(Integer.parseInt(ports[1])));
                s.put("peer_init_port", List.of(Integer.parseInt(ports[2])));
                s.put("allocation_timeout_sec", 30);
                s.put("transfer_timeout_sec", 30);
                try (PdL2Adapter sender = new PdL2Adapter(PdL2AdapterConfig.fromMap(s),
                        io.kvcourier.channel.tcp.TcpChannel.FACTORY); TaskWaiter ws = new TaskWaiter(sender)) {
                    List<Long> ids = new ArrayList<>();
                    for (String name : List.of("a", "b", "c")) {
                        ids.add(sender.submitStoreTask(PdPair.keys(name, 3), PdPair.chunks(arena, 3, name.charAt(0)),
                                new TransferSpec(name, true, 3)));
                    }
                    receiver.await("HELD");
                    long killed = System.nanoTime();
                    receiver.kill();
                    for (long id : ids) {
                        assertThat(ws.awaitStore(id, WAIT)).as("store %d fails", id).isFalse();
                    }
                    assertThat(Duration.ofNanos(System.nanoTime() - killed)).as("every store failed within 2 s of the kill")
                            .isLessThan(Duration.ofSeconds(2));
                    assertThat(PdPair.intStatus(sender, "staging_pages_free"))
                            .isEqualTo(PdPair.intStatus(sender, "staging_pages"));
                }
            }
        }
    }

    @Test
    void senderProcessKilledMidRequest() throws Exception {
        HeldTcpChannel held = new HeldTcpChannel();
        try (Arena arena = Arena.ofShared();
             PdL2Adapter receiver = PdPair.receiver(held, m -> {
                 tcp(m);
                 m.put("transfer_timeout_sec", 1);
                 m.put("request_timeout_sec", 1);
             });
             TaskWaiter wr = new TaskWaiter(receiver)) {
            Map<String, Object> s = PdPair.base("sender", PdPair.SMALL_CHUNK);
            tcp(s);
            s.put("peer_init_port", receiver.initPorts());
            s.put("peer_alloc_port", receiver.allocPorts());
            held.arm();
            try (Child sender = new Child("sender", json(s), "dying", "3", "dying-req", "6")) {
                sender.await("SUBMITTED");
                assertThat(held.admitted.await(60, TimeUnit.SECONDS)).as("a batch is half-way in").isTrue();
                assertThat(PdPair.intStatus(receiver, "pages_in_use")).isEqualTo(3);
                sender.kill();
            } finally {
                held.release.countDown();
            }
            assertThat(wr.until(() -> PdPair.intStatus(receiver, "pages_in_use") == 0
                    && PdPair.intStatus(receiver, "reserved_pages") == 0, WAIT))
                    .as("reservation and pages rolled back: %s", receiver.reportStatus()).isTrue();
            assertThat(wr.lookup(PdPair.keys("dying", 3)).popcount()).as("nothing of the dead sender committed")
                    .isZero();
            try (PdL2Adapter other = PdPair.sender(receiver, held, m -> tcp(m));
                 TaskWaiter wo = new TaskWaiter(other)) {
                assertThat(wo.awaitStore(other.submitStoreTask(PdPair.keys("alive", 2), PdPair.chunks(arena, 2, 5),
                        new TransferSpec("alive", true, 2)), WAIT)).as("other senders are served").isTrue();
            }
        }
    }
}
