package io.kvcourier.reliability;

import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;
import io.kvcourier.testkit.HeldTcpChannel;
import io.kvcourier.testkit.PdPair;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A kvcourier adapter in a child JVM over tcp, for tests that kill a process (SIGKILL) mid-transfer. Usage:
 * {@code receiver-hold <json>}: a receiver whose first admitted DATA frame is held forever; prints
 * {@code PORTS <alloc> <init>} when serving and {@code HELD} when a batch is held half-way in.
 * {@code sender <json> <prefix> <chunks> <reqId> <totalChunks>}: a sender that submits one store of
 * {@code chunks} chunks of {@link PdPair#SMALL_CHUNK} bytes and prints {@code SUBMITTED}. Either then waits to be
 * killed.
 */
public final class ChildAdapter {
    private ChildAdapter() {
    }

    public static void main(String[] args) throws Exception {
        PdL2AdapterConfig config = PdL2AdapterConfig.fromJson(args[1]);
        if (args[0].equals("receiver-hold")) {
            CountDownLatch never = new CountDownLatch(1);
            HeldTcpChannel held = HeldTcpChannel.armedUntilKilled(() -> {
                System.out.println("HELD");
                System.out.flush();
            });
            PdL2Adapter receiver = new PdL2Adapter(config, held);
            System.out.println("PORTS " + receiver.allocPorts().get(0) + " " + receiver.initPorts().get(0));
            System.out.flush();
            never.await();
        } else {
            PdL2Adapter sender = PdL2Adapter.create(config);
            Arena arena = Arena.ofShared();
            int n = Integer.parseInt(args[3]);
            List<MemoryObj> chunks = PdPair.chunks(arena, n, 1);
            sender.submitStoreTask(PdPair.keys(args[2], n), chunks, new TransferSpec(args[4], false,
                    Integer.parseInt(args[5])));
            System.out.println("SUBMITTED");
            System.out.flush();
            new CountDownLatch(1).await();
        }
    }
}
