package io.kvcourier.reliability;

import io.kvcourier.channel.MockMemoryChannel;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.WireCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static io.kvcourier.testkit.TaskWaiter.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Optional CURVE on the control plane: a receiver with {@code curve_secret_key} serves only CURVE clients that
 * know its public key ({@code curve_server_key} on the sender). A sender without the key, with a wrong key, or
 * a plain ZMQ client cannot allocate: its store fails within the deadlines and the receiver allocates nothing.
 */
@Timeout(120)
class CurveControlPlaneTest {
    private static final ZMQ.Curve.KeyPair SERVER = ZMQ.Curve.generateKeyPair();

    private static PdL2Adapter curveReceiver() {
        return PdPair.receiver(MockMemoryChannel.FACTORY, m -> {
            m.put("curve_secret_key", SERVER.secretKey);
            m.put("curve_public_key", SERVER.publicKey);
        });
    }

    private static Consumer<Map<String, Object>> quick(Consumer<Map<String, Object>> keys) {
        return m -> {
            m.put("handshake_timeout_sec", 1);
            m.put("allocation_timeout_sec", 1);
            keys.accept(m);
        };
    }

    private static Boolean store(PdL2Adapter sender, Arena arena, String prefix) {
        try (TaskWaiter ws = new TaskWaiter(sender)) {
            List<ObjectKey> keys = PdPair.keys(prefix, 2);
            List<MemoryObj> src = PdPair.chunks(arena, 2, prefix.hashCode());
            return ws.awaitStore(sender.submitStoreTask(keys, src), WAIT);
        }
    }

    @Test
    void senderWithTheServerKeyTransfersAndLoadsMatch() {
        try (Arena arena = Arena.ofShared(); PdL2Adapter receiver = curveReceiver();
             PdL2Adapter sender = PdPair.sender(receiver, MockMemoryChannel.FACTORY,
                     m -> m.put("curve_server_key", SERVER.publicKey));
             TaskWaiter wr = new TaskWaiter(receiver)) {
            assertThat(store(sender, arena, "curve")).isTrue();
            List<ObjectKey> keys = PdPair.keys("curve", 2);
            assertThat(wr.load(keys, PdPair.empty(arena, 2)).popcount()).isEqualTo(2);
            // A sender with its own configured key pair works too.
            ZMQ.Curve.KeyPair own = ZMQ.Curve.generateKeyPair();
            try (PdL2Adapter second = PdPair.sender(receiver, MockMemoryChannel.FACTORY, m -> {
                m.put("curve_server_key", SERVER.publicKey);
                m.put("curve_public_key", own.publicKey);
                m.put("curve_secret_key", own.secretKey);
            })) {
                assertThat(store(second, arena, "curve-own")).isTrue();
            }
        }
    }

    @Test
    void senderWithoutOrWithAWrongKeyCannotAllocate() {
        ZMQ.Curve.KeyPair impostor = ZMQ.Curve.generateKeyPair();
        try (Arena arena = Arena.ofShared(); PdL2Adapter receiver = curveReceiver()) {
            try (PdL2Adapter plain = PdPair.sender(receiver, MockMemoryChannel.FACTORY, quick(m -> { }))) {
                long t0 = System.nanoTime();
                assertThat(store(plain, arena, "plain")).as("no key: refused").isFalse();
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
            }
            try (PdL2Adapter wrong = PdPair.sender(receiver, MockMemoryChannel.FACTORY,
                    quick(m -> m.put("curve_server_key", impostor.publicKey)))) {
                assertThat(store(wrong, arena, "wrong")).as("wrong server key: refused").isFalse();
            }
            assertThat(PdPair.intStatus(receiver, "pages_in_use")).isZero();
            assertThat(PdPair.status(receiver, "malformed_messages")).as("nothing reached the handlers").isZero();
            try (PdL2Adapter good = PdPair.sender(receiver, MockMemoryChannel.FACTORY,
                    m -> m.put("curve_server_key", SERVER.publicKey))) {
                assertThat(store(good, arena, "good")).as("the receiver still serves keyed senders").isTrue();
            }
        }
    }

    @Test
    void aPlainZmqClientGetsNoAnswerAndAllocatesNothing() {
        try (PdL2Adapter receiver = curveReceiver(); ZContext zmq = new ZContext()) {
            ZMQ.Socket dealer = zmq.createSocket(SocketType.DEALER);
            dealer.setReceiveTimeOut(1_500);
            dealer.setSendTimeOut(1_500); // with the CURVE handshake refused there may be no pipe to send on
            dealer.connect("tcp://127.0.0.1:" + receiver.allocPorts().get(0));
            String key = ObjectKey.of(new byte[] {1}, "m", 0).toCanonicalString();
            byte[] request = WireCodec.encode(new AllocRequest(List.of(key), 4, new long[] {PdPair.SMALL_CHUNK},
                    "uint8", 0));
            if (dealer.sendMore(new byte[0])) {
                dealer.send(request, 0);
            }
            assertThat(dealer.recv()).as("no reply to a client without CURVE").isNull();
            assertThat(PdPair.intStatus(receiver, "pages_in_use")).isZero();
        }
    }

    @Test
    void halfAClientKeyPairIsAConfigErrorNamingTheKey() {
        try (PdL2Adapter receiver = curveReceiver()) {
            assertThatThrownBy(() -> PdPair.sender(receiver, MockMemoryChannel.FACTORY, m -> {
                m.put("curve_server_key", SERVER.publicKey);
                m.put("curve_public_key", SERVER.publicKey);
            })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("curve_secret_key");
        }
    }
}
