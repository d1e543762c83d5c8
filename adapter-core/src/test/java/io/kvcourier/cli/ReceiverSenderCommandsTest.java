package io.kvcourier.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The receiver and sender commands in this JVM over mock_memory: the sender exits 0 after every request was
 * committed, the receiver verifies every chunk and stops cleanly on stdin EOF. (Separate JVMs over tcp: the ITs.)
 */
class ReceiverSenderCommandsTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @Test
    void senderCommitsEverythingAndReceiverVerifiesEveryChunk() throws Exception {
        Path readyFile = tmp.resolve("receiver.ready");
        String receiverConfig = "{\"role\":\"receiver\",\"peer_host\":\"127.0.0.1\",\"bind_host\":\"127.0.0.1\","
                + "\"peer_init_port\":[0],\"peer_alloc_port\":[0],\"transfer_channel\":\"mock_memory\","
                + "\"buffer_size\":4194304,\"proxy_port\":0,\"shutdown_timeout_sec\":2}";
        LineSink receiverOut = new LineSink();
        LineSink receiverErr = new LineSink();
        PipedOutputStream stdinWriter = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(stdinWriter);
        CompletableFuture<Integer> receiver = CompletableFuture.supplyAsync(() -> {
            try {
                return ReceiverCommand.run(List.of("--config", receiverConfig, "--stop-on-stdin-eof", "--ready-file",
                        readyFile.toString()), receiverOut.stream, receiverErr.stream, stdin);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, r -> Thread.ofPlatform().name("test-receiver").start(r));
        try {
            String readyLine = receiverOut.await("READY ", WAIT);
            assertEquals(readyLine + "\n", Files.readString(readyFile), "--ready-file holds the READY line");
            Lines.Event ready = Lines.parse(readyLine);
            String senderConfig = "{\"role\":\"sender\",\"peer_host\":\"127.0.0.1\",\"peer_init_port\":["
                    + ready.get("init") + "],\"peer_alloc_port\":[" + ready.get("alloc") + "],"
                    + "\"transfer_channel\":\"mock_memory\",\"proxy_port\":0,\"buffer_size\":1048576}";
            CliRun sender = CliRun.of("sender", "--config", senderConfig, "--requests", "5", "--chunks", "3",
                    "--chunk-bytes", "64K", "--req-id-prefix", "cmdtest", "--window", "2");
            assertEquals(Main.EXIT_OK, sender.exitCode(), sender.err());
            long stored = sender.out().lines().filter(l -> l.startsWith("STORED ") && l.contains(" ok=true ")).count();
            assertEquals(5, stored, sender.out());
            Lines.Event done = Lines.parse(sender.out().lines().filter(l -> l.startsWith("DONE ")).findFirst().orElseThrow());
            assertEquals("5", done.get("ok"));
            assertEquals(String.valueOf(5 * 3 * 65_536), done.get("bytes"));
            assertEquals("false", done.get("registered"), "the chunk memory is not registered without --register-memory");

            int verifiedChunks = 0;
            while (verifiedChunks < 15) {
                Lines.Event v = Lines.parse(receiverOut.await("VERIFIED ", WAIT));
                assertEquals("true", v.get("ok"), v.toString());
                assertTrue(v.get("req").startsWith("cmdtest-"), v.toString());
                verifiedChunks += Integer.parseInt(v.get("ok_chunks"));
            }
            assertEquals(15, verifiedChunks);

            // Warm-up and registered chunk memory: the first 2 requests finish before the rest is submitted, though
            // the window has room for a third.
            CliRun warm = CliRun.of("sender", "--config", senderConfig, "--requests", "5", "--chunks", "3",
                    "--chunk-bytes", "64K", "--req-id-prefix", "warm", "--window", "3", "--warmup", "2",
                    "--register-memory");
            assertEquals(Main.EXIT_OK, warm.exitCode(), warm.err());
            assertFalse(warm.err().contains("not registered"), warm.err());
            Lines.Event warmDoneLine = Lines.parse(warm.out().lines().filter(l -> l.startsWith("DONE ")).findFirst()
                    .orElseThrow());
            assertEquals("true", warmDoneLine.get("registered"), "the chunk memory was registered: " + warm.out());
            List<Lines.Event> lines = warm.out().lines().filter(l -> l.startsWith("STORED ")).map(Lines::parse)
                    .toList();
            assertEquals(5, lines.size(), warm.out());
            assertEquals(Set.of("warm-0", "warm-1"), lines.stream().filter(e -> e.get("warmup").equals("true"))
                    .map(e -> e.get("req")).collect(Collectors.toSet()), warm.out());
            long warmDone = lines.stream().filter(e -> e.get("warmup").equals("true"))
                    .mapToLong(e -> e.longValue("done_us")).max().orElseThrow();
            long timedStart = lines.stream().filter(e -> e.get("warmup").equals("false"))
                    .mapToLong(e -> e.longValue("submit_us")).min().orElseThrow();
            assertTrue(warmDone <= timedStart, "warm-up done at " + warmDone + " us, first timed submit at "
                    + timedStart + " us");
            while (verifiedChunks < 30) {
                Lines.Event v = Lines.parse(receiverOut.await("VERIFIED ", WAIT));
                assertEquals("true", v.get("ok"), v.toString());
                verifiedChunks += Integer.parseInt(v.get("ok_chunks"));
            }
        } finally {
            stdinWriter.close(); // EOF: the receiver stops
        }
        assertEquals(Main.EXIT_OK, receiver.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        Lines.Event done = Lines.parse(receiverOut.await("DONE ", Duration.ofSeconds(1)));
        assertEquals("30", done.get("verified_chunks"));
        assertEquals(String.valueOf(30 * 65_536), done.get("verified_bytes"));
        assertEquals("0", done.get("failed_chunks"));
        assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("kvcourier-decode")),
                "the decode thread is gone");
    }

    /**
     * {@code --decode-delay-ms}: a committed batch stays in the decode step (its keys locked, not verified yet) for
     * the delay; close() cuts the delay short, the batch is still verified, and the node's threads end.
     */
    @Test
    @Timeout(120)
    void aSlowDecodeStepHoldsTheBatchUntilCloseCutsItShort() throws Exception {
        String receiverConfig = "{\"role\":\"receiver\",\"peer_host\":\"127.0.0.1\",\"bind_host\":\"127.0.0.1\","
                + "\"peer_init_port\":[0],\"peer_alloc_port\":[0],\"transfer_channel\":\"mock_memory\","
                + "\"buffer_size\":1048576,\"proxy_port\":0,\"shutdown_timeout_sec\":2}";
        List<ReceiverNode.Verified> verified = new java.util.concurrent.CopyOnWriteArrayList<>();
        var adapter = io.kvcourier.pd.PdL2Adapter.create(io.kvcourier.pd.PdL2AdapterConfig.fromJson(receiverConfig));
        ReceiverNode node = new ReceiverNode(adapter, Duration.ofSeconds(10), Duration.ofHours(1), verified::add);
        try {
            String senderConfig = "{\"role\":\"sender\",\"peer_host\":\"127.0.0.1\",\"peer_init_port\":["
                    + node.initPorts().getFirst() + "],\"peer_alloc_port\":[" + node.allocPorts().getFirst() + "],"
                    + "\"transfer_channel\":\"mock_memory\",\"proxy_port\":0,\"buffer_size\":1048576}";
            CliRun sender = CliRun.of("sender", "--config", senderConfig, "--requests", "1", "--chunks", "2",
                    "--chunk-bytes", "16K", "--req-id-prefix", "slow");
            assertEquals(Main.EXIT_OK, sender.exitCode(), sender.err());
            assertTrue(verified.isEmpty(), "nothing is verified while the decode step holds the batch: " + verified);
        } finally {
            node.close(); // cuts the hour short
        }
        assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("kvcourier-decode")),
                "the decode thread is gone");
        assertThrows(IllegalArgumentException.class,
                () -> new ReceiverNode(adapter, Duration.ofSeconds(1), Duration.ofMillis(-1), v -> { }));
    }

    @Test
    void proxyCommandPrintsEachNotificationAndStopsAfterCount() throws Exception {
        String receiverConfig = "{\"role\":\"receiver\",\"peer_host\":\"127.0.0.1\",\"bind_host\":\"127.0.0.1\","
                + "\"peer_init_port\":[0],\"peer_alloc_port\":[0],\"transfer_channel\":\"mock_memory\","
                + "\"buffer_size\":1048576,\"proxy_port\":0}";
        LineSink proxyOut = new LineSink();
        CompletableFuture<Integer> proxy = CompletableFuture.supplyAsync(() -> {
            try {
                return ProxyCommand.run(List.of("--port", "0", "--host", "127.0.0.1", "--count", "3"), proxyOut.stream,
                        new LineSink().stream, null);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, r -> Thread.ofPlatform().name("test-proxy").start(r));
        int proxyPort = Integer.parseInt(Lines.parse(proxyOut.await("READY ", WAIT)).get("port"));
        try (var adapter = io.kvcourier.pd.PdL2Adapter.create(io.kvcourier.pd.PdL2AdapterConfig.fromJson(receiverConfig));
             ReceiverNode node = new ReceiverNode(adapter, Duration.ofSeconds(10), v -> { })) {
            String senderConfig = "{\"role\":\"sender\",\"peer_host\":\"127.0.0.1\",\"peer_init_port\":["
                    + node.initPorts().getFirst() + "],\"peer_alloc_port\":[" + node.allocPorts().getFirst() + "],"
                    + "\"transfer_channel\":\"mock_memory\",\"proxy_host\":\"127.0.0.1\",\"proxy_port\":" + proxyPort
                    + ",\"buffer_size\":1048576}";
            CliRun sender = CliRun.of("sender", "--config", senderConfig, "--requests", "3", "--chunks", "2",
                    "--chunk-bytes", "16K", "--req-id-prefix", "px");
            assertEquals(Main.EXIT_OK, sender.exitCode(), sender.err());
        }
        assertEquals(Main.EXIT_OK, proxy.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        List<String> notifs = proxyOut.all().stream().filter(l -> l.startsWith("NOTIF ")).toList();
        assertEquals(3, notifs.size(), notifs.toString());
        assertEquals(Set.of("px-0", "px-1", "px-2"), notifs.stream().map(l -> Lines.parse(l).get("req"))
                .collect(java.util.stream.Collectors.toSet()));
        assertTrue(notifs.stream().allMatch(l -> Lines.parse(l).get("count").equals("1")), notifs.toString());
        assertEquals("3", Lines.parse(proxyOut.await("DONE ", Duration.ofSeconds(1))).get("notifications"));
    }

    @Test
    void senderFailsWithTheReasonWhenNoReceiverAnswers() throws Exception {
        // Ports that nothing listens on: bind and release ephemeral ones would race; use a receiver that is closed.
        String receiverConfig = "{\"role\":\"receiver\",\"peer_host\":\"127.0.0.1\",\"bind_host\":\"127.0.0.1\","
                + "\"peer_init_port\":[0],\"peer_alloc_port\":[0],\"transfer_channel\":\"mock_memory\","
                + "\"buffer_size\":1048576,\"proxy_port\":0}";
        int init;
        int alloc;
        try (var adapter = io.kvcourier.pd.PdL2Adapter.create(io.kvcourier.pd.PdL2AdapterConfig.fromJson(receiverConfig))) {
            init = adapter.initPorts().getFirst();
            alloc = adapter.allocPorts().getFirst();
        }
        String senderConfig = "{\"role\":\"sender\",\"peer_host\":\"127.0.0.1\",\"peer_init_port\":[" + init + "],"
                + "\"peer_alloc_port\":[" + alloc + "],\"transfer_channel\":\"mock_memory\",\"proxy_port\":0,"
                + "\"buffer_size\":1048576,\"allocation_timeout_sec\":0.5,\"handshake_timeout_sec\":0.5,"
                + "\"transfer_timeout_sec\":0.5,\"shutdown_timeout_sec\":1}";
        long start = System.nanoTime();
        CliRun sender = CliRun.of("sender", "--config", senderConfig, "--requests", "3", "--chunks", "2",
                "--chunk-bytes", "4K", "--window", "1");
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertEquals(Main.EXIT_FAILURE, sender.exitCode(), sender.out() + sender.err());
        assertTrue(sender.err().lines().anyMatch(l -> l.startsWith("kvcourier sender: 1 of 3 requests were not "
                + "committed on the receiver (first: ")), sender.err());
        assertTrue(sender.out().contains("STORED req=") && sender.out().contains(" ok=false "), sender.out());
        assertTrue(seconds < 20, "failed within the deadlines, took " + seconds + " s");
    }
}
