package io.kvcourier.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a decode node listens: its host and, per TP rank, its channel handshake (init) and allocation ports, as
 * LMCache's {@code disagg_spec} names a receiver ({@code receiver_host}, {@code receiver_init_port[]},
 * {@code receiver_alloc_port[]}). Written on a command line as {@code HOST:INIT[,INIT..]:ALLOC[,ALLOC..]}, several
 * separated by {@code ;}.
 */
record DecodeTarget(String host, List<Integer> initPorts, List<Integer> allocPorts) {
    DecodeTarget {
        initPorts = List.copyOf(initPorts);
        allocPorts = List.copyOf(allocPorts);
        if (host.isBlank() || initPorts.isEmpty() || initPorts.size() != allocPorts.size()) {
            throw new IllegalArgumentException("a decode target needs a host and one init and one alloc port per rank");
        }
    }

    String format() {
        return host + ":" + ReceiverCommand.join(initPorts) + ":" + ReceiverCommand.join(allocPorts);
    }

    static String formatAll(List<DecodeTarget> targets) {
        return String.join(";", targets.stream().map(DecodeTarget::format).toList());
    }

    /**
     * Parses {@code HOST:INIT,..:ALLOC,..;...} as {@code option}'s value.
     *
     * @throws UsageException naming the option and the target at fault
     */
    static List<DecodeTarget> parseAll(String option, String value) throws UsageException {
        List<DecodeTarget> out = new ArrayList<>();
        for (String t : value.split(";", -1)) {
            String[] parts = t.strip().split(":", -1);
            try {
                if (parts.length != 3) {
                    throw new IllegalArgumentException("not HOST:INIT[,INIT..]:ALLOC[,ALLOC..]");
                }
                out.add(new DecodeTarget(parts[0], ports(parts[1]), ports(parts[2])));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--" + option + ": target '" + t + "' is invalid: " + e.getMessage()
                        + " (expected HOST:INIT[,INIT..]:ALLOC[,ALLOC..] with ports in 1..65535,"
                        + " targets separated by ;)");
            }
        }
        return out;
    }

    private static List<Integer> ports(String csv) {
        List<Integer> ports = new ArrayList<>();
        for (String p : csv.split(",", -1)) {
            int port = Integer.parseInt(p.strip());
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("port " + port + " is not in 1..65535");
            }
            ports.add(port);
        }
        return ports;
    }
}
