package io.kvcourier.pd;

import io.kvcourier.l2.TransferSpec;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import io.kvcourier.verbs.Verbs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** {@link PdL2Adapter#create} picks the configured channel, or says clearly why it cannot. */
@Timeout(60)
class PdL2AdapterFactoryTest {

    @Test
    void createWithTcpMovesChunksBetweenTwoAdapters() {
        Map<String, Object> r = PdPair.base("receiver");
        r.put("transfer_channel", "tcp");
        r.put("peer_init_port", List.of(0));
        r.put("peer_alloc_port", List.of(0));
        try (PdL2Adapter receiver = PdL2Adapter.create(PdL2AdapterConfig.fromMap(r))) {
            assertThat(receiver.role()).isEqualTo(Role.RECEIVER);
            Map<String, Object> s = PdPair.base("sender");
            s.put("transfer_channel", "nixl");
            s.put("nixl_backends", List.of("tcp"));
            s.put("peer_init_port", receiver.initPorts());
            s.put("peer_alloc_port", receiver.allocPorts());
            try (PdL2Adapter sender = PdL2Adapter.create(PdL2AdapterConfig.fromMap(s));
                 PdPair helper = new PdPair(); TaskWaiter w = new TaskWaiter(sender)) {
                long id = sender.submitStoreTask(PdPair.keys("f", 2), helper.randomChunks(2), new TransferSpec("f", true, 2));
                assertThat(w.awaitStore(id, Duration.ofSeconds(20))).isTrue();
                assertThat(receiver.reportStatus()).containsEntry("data_count", 2);
            }
        }
    }

    @Test
    void verbsWithoutAnRdmaDeviceIsAClearStartupErrorNotASilentFallback() {
        assumeFalse(Verbs.isAvailable(), "this machine has an RDMA device");
        Map<String, Object> s = PdPair.base("sender");
        s.put("transfer_channel", "verbs");
        s.put("peer_init_port", List.of(1));
        s.put("peer_alloc_port", List.of(2));
        assertThatThrownBy(() -> PdL2Adapter.create(PdL2AdapterConfig.fromMap(s)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("verbs")
                .hasMessageContaining(Verbs.unavailabilityCause());
    }

    @Test
    void cudaBufferParsesButIsNotSupportedYet() {
        Map<String, Object> s = PdPair.base("sender");
        s.put("buffer_device", "cuda");
        s.put("peer_init_port", List.of(1));
        s.put("peer_alloc_port", List.of(2));
        PdL2AdapterConfig cfg = PdL2AdapterConfig.fromMap(s);
        assertThatThrownBy(() -> PdL2Adapter.create(cfg)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not supported yet");
    }

    @Test
    void aTakenPortIsAClearStartupError() {
        Map<String, Object> r = PdPair.base("receiver");
        r.put("peer_init_port", List.of(0));
        r.put("peer_alloc_port", List.of(0));
        try (PdL2Adapter first = PdL2Adapter.create(PdL2AdapterConfig.fromMap(r))) {
            Map<String, Object> again = PdPair.base("receiver");
            again.put("peer_init_port", List.of(0));
            again.put("peer_alloc_port", first.allocPorts());
            assertThatThrownBy(() -> PdL2Adapter.create(PdL2AdapterConfig.fromMap(again)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(String.valueOf(first.allocPorts().get(0)));
        }
    }
}
