package io.kvcourier.wire;

import java.util.Arrays;
import java.util.Objects;

/**
 * Receiver init server → sender: where the tcp data listener is and the session token every data
 * frame must carry (docs/ARCHITECTURE.md#decision-20). {@link #toString()} never prints the token.
 *
 * @param version      protocol version the receiver speaks
 * @param host         data listener host
 * @param port         data listener port, 1..65535 (0 is accepted only as "not bound")
 * @param sessionToken per-handshake secret; copied in and out
 * @param pageSize     receiver page size, in bytes
 * @param dataVersion  the tcp data-connection version both ends talk on the connection this token opens (the
 *                     lower of the sender's and the receiver's; {@link TcpInitRequest#DEFAULT_DATA_VERSION} when
 *                     absent: a receiver from before the field)
 */
public record TcpInitResponse(int version, String host, int port, byte[] sessionToken, long pageSize, int dataVersion)
        implements HandshakeMessage {

    /** The wire tag. */
    public static final String TAG = "TcpInitResponse";

    /** @throws IllegalArgumentException naming the field that is null or out of range */
    public TcpInitResponse {
        Checks.notNull(host, "host");
        Checks.range(port, 0, 65_535, "port");
        sessionToken = Checks.notNull(sessionToken, "session_token").clone();
        Checks.nonNegative(pageSize, "page_size");
    }

    /** A reply from a receiver that speaks tcp data version {@link TcpInitRequest#DEFAULT_DATA_VERSION} only. */
    public TcpInitResponse(int version, String host, int port, byte[] sessionToken, long pageSize) {
        this(version, host, port, sessionToken, pageSize, TcpInitRequest.DEFAULT_DATA_VERSION);
    }

    @Override
    public String tag() {
        return TAG;
    }

    /** @return a copy of the session token */
    @Override
    public byte[] sessionToken() {
        return sessionToken.clone();
    }

    byte[] sessionTokenArray() {
        return sessionToken;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TcpInitResponse r && version == r.version && port == r.port && pageSize == r.pageSize
                && dataVersion == r.dataVersion && host.equals(r.host) && Arrays.equals(sessionToken, r.sessionToken);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, host, port, Arrays.hashCode(sessionToken), pageSize, dataVersion);
    }

    @Override
    public String toString() {
        return "TcpInitResponse[version=" + version + ", host=" + host + ", port=" + port
                + ", sessionToken=<" + sessionToken.length + " bytes>, pageSize=" + pageSize
                + ", dataVersion=" + dataVersion + "]";
    }
}
