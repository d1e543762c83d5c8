package io.kvcourier.channel.verbs;

import io.kvcourier.testkit.Poll;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * perftest's {@code ib_write_bw} run as a server and a client process on this machine, so that a throughput test can
 * measure its ceiling in the same rounds as kvcourier instead of once after it. {@code .ci/rxe} names the device
 * arguments in {@code kvcourier.rxe.ibWriteBw} (for rxe0 on lo: {@code -d,rxe0,-x,1}); without them nothing runs.
 */
final class IbWriteBw {
    /** A port of its own: {@code .ci/lib/rxe-guest.sh} runs its {@code ib_write_bw} on 18515 after the tests. */
    private static final int PORT = 18516;

    private IbWriteBw() {
    }

    /**
     * The device arguments {@code .ci/rxe} gave, separated by commas ({@code -d,rxe0,-x,1}: one word in the
     * launcher's argument file), or an empty list when none were given.
     */
    static List<String> deviceArgs() {
        String args = System.getProperty("kvcourier.rxe.ibWriteBw", "").trim();
        return args.isEmpty() ? List.of() : List.of(args.split(","));
    }

    /**
     * Writes {@code iterations} messages of {@code bytes} from the client to the server on 127.0.0.1.
     *
     * @return the client's average bandwidth in MB/s (10^6 bytes per second, as perftest prints it)
     * @throws IOException when either process cannot start, the server does not listen or the client prints no
     *                     result within {@code timeout}
     */
    static double run(List<String> deviceArgs, long bytes, int iterations, Duration timeout)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ib_write_bw"));
        command.addAll(deviceArgs);
        command.addAll(List.of("-s", Long.toString(bytes), "-n", Integer.toString(iterations), "-F", "-p",
                Integer.toString(PORT)));
        Path output = Files.createTempFile("ib_write_bw", ".txt");
        try {
            Process server = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Process client = null;
            try {
                if (!Poll.until(() -> listening(PORT) || !server.isAlive(), timeout) || !server.isAlive()) {
                    throw new IOException("ib_write_bw server did not listen on port " + PORT + " within " + timeout);
                }
                List<String> clientCommand = new ArrayList<>(command);
                clientCommand.add("127.0.0.1");
                client = new ProcessBuilder(clientCommand).redirectErrorStream(true)
                        .redirectOutput(output.toFile()).start();
                boolean exited = client.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                String out = Files.readString(output, StandardCharsets.UTF_8);
                if (!exited || client.exitValue() != 0) {
                    throw new IOException("ib_write_bw client " + (exited ? "exited with " + client.exitValue()
                            : "did not finish within " + timeout) + ": " + out);
                }
                return average(out, bytes);
            } finally {
                if (client != null) {
                    client.destroyForcibly();
                }
                server.destroyForcibly();
                server.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** The "BW average[MB/sec]" column of the result line for {@code bytes}. */
    static double average(String clientOutput, long bytes) throws IOException {
        for (String line : clientOutput.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].equals(Long.toString(bytes))) {
                return Double.parseDouble(f[3]);
            }
        }
        throw new IOException("no result line for " + bytes + " B in: " + clientOutput);
    }

    /** Whether a socket listens on {@code port} (IPv4 or IPv6), from {@code /proc/net/tcp*}. */
    private static boolean listening(int port) {
        String local = String.format(Locale.ROOT, ":%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 3 && f[1].endsWith(local) && f[3].equals("0A")) { // 0A: TCP_LISTEN
                        return true;
                    }
                }
            } catch (IOException e) {
                // no such table (no IPv6): the other one decides
            }
        }
        return false;
    }
}
