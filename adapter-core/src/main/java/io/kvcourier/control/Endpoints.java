package io.kvcourier.control;

/** ZMQ tcp endpoint strings. */
public final class Endpoints {
    private Endpoints() {
    }

    /** {@code tcp://host:port} for a connect; IPv6 literals are bracketed. */
    public static String connect(String host, int port) {
        return "tcp://" + bracket(host) + ":" + port;
    }

    /**
     * {@code tcp://host:port} for a bind; {@code 0.0.0.0}, {@code *} and the empty host bind every
     * interface, and port 0 asks the kernel for a free port (read it back from the bound server).
     */
    public static String bind(String host, int port) {
        String h = host == null || host.isEmpty() || host.equals("0.0.0.0") || host.equals("*") ? "*" : bracket(host);
        return "tcp://" + h + ":" + (port == 0 ? "*" : Integer.toString(port));
    }

    /** The port of an endpoint such as {@code tcp://127.0.0.1:40123}. */
    public static int portOf(String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        return Integer.parseInt(endpoint.substring(colon + 1));
    }

    private static String bracket(String host) {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
