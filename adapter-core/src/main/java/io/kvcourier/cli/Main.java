package io.kvcourier.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code kvcourier} command: {@code doctor}, {@code demo}, {@code cluster}, {@code sender}, {@code receiver},
 * {@code proxy}, {@code cluster-prefill}
 * (the {@code ./kvcourier} launcher hands {@code bench} to the benchmarks jar).
 *
 * <p>Exit codes: {@value #EXIT_OK} success, {@value #EXIT_FAILURE} the command ran and failed (the reason is on
 * stderr), {@value #EXIT_USAGE} bad arguments or configuration (one line on stderr naming the problem).
 */
public final class Main {
    /** Success. */
    public static final int EXIT_OK = 0;
    /** The command ran and failed; the reason is printed. */
    public static final int EXIT_FAILURE = 1;
    /** Bad arguments or configuration; one line names the problem. */
    public static final int EXIT_USAGE = 2;

    static final String USAGE = """
            usage: kvcourier <command> [options]        (kvcourier <command> --help for its options)
              demo       receiver + proxy + sender move a workload, verify every byte, print a summary
              cluster    xPyD: P prefill and D decode nodes (TP ranks each) and a proxy, requests routed round robin
                         over the decode nodes, every byte verified; in network namespaces as root
              receiver   the decode node: loads and verifies what arrives (runs until stopped)
              sender     the prefill node: stores N requests of M chunks; exit 0 only if all were committed
              proxy      listens for ProxyNotif messages and prints each one
              doctor     what this machine offers: JDK, native access, libibverbs, RDMA devices, memlock, ports
              cluster-prefill  one prefill node of kvcourier cluster (the cluster command starts it)
            Configs (--config FILE|JSON) use LMCache's PD adapter keys as they are; kvcourier receiver --help-config
            lists them.
            """;

    private Main() {
    }

    public static void main(String[] args) {
        int rc = run(args, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(rc);
    }

    /**
     * Runs one command in this JVM (tests call it directly).
     *
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return EXIT_USAGE;
        }
        String command = args[0];
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        if (command.equals("--help") || command.equals("-h") || command.equals("help")) {
            out.print(USAGE);
            return EXIT_OK;
        }
        String usage = switch (command) {
            case "doctor" -> Doctor.USAGE;
            case "demo" -> DemoCommand.USAGE;
            case "cluster" -> ClusterCommand.USAGE;
            case "cluster-prefill" -> ClusterPrefillCommand.USAGE;
            case "receiver" -> ReceiverCommand.USAGE;
            case "sender" -> SenderCommand.USAGE;
            case "proxy" -> ProxyCommand.USAGE;
            default -> null;
        };
        if (usage == null) {
            err.println("kvcourier: unknown command '" + command + "' (commands: demo, cluster, receiver, sender,"
                    + " proxy, doctor, cluster-prefill; see kvcourier --help)");
            return EXIT_USAGE;
        }
        if (rest.contains("--help") || rest.contains("-h")) {
            out.print(usage);
            return EXIT_OK;
        }
        if (rest.contains("--help-config")) {
            out.print(io.kvcourier.pd.PdL2AdapterConfig.help());
            return EXIT_OK;
        }
        try {
            return switch (command) {
                case "doctor" -> Doctor.run(rest, out, err);
                case "demo" -> DemoCommand.run(rest, out, err);
                case "cluster" -> ClusterCommand.run(rest, out, err);
                case "cluster-prefill" -> ClusterPrefillCommand.run(rest, out, err);
                case "receiver" -> ReceiverCommand.run(rest, out, err, System.in);
                case "sender" -> SenderCommand.run(rest, out, err);
                case "proxy" -> ProxyCommand.run(rest, out, err, System.in);
                default -> throw new IllegalStateException(command);
            };
        } catch (UsageException e) {
            err.println("kvcourier " + command + ": " + e.getMessage());
            return EXIT_USAGE;
        } catch (CommandFailure e) {
            err.println("kvcourier " + command + ": " + e.getMessage());
            return EXIT_FAILURE;
        } catch (RuntimeException e) {
            err.println("kvcourier " + command + ": failed: " + e);
            e.printStackTrace(err);
            return EXIT_FAILURE;
        }
    }
}
