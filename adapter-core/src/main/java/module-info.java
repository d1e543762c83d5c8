/**
 * kvcourier: LMCache's PD L2 adapter for the JVM. A prefill-side adapter stores KV-cache chunks into a decode-side
 * adapter over a ZMQ control plane and a tcp, RDMA verbs or in-process data channel, and notifies the proxy.
 *
 * <p>API: {@link io.kvcourier.l2} (the L2 adapter contract and its types), {@link io.kvcourier.pd} (the PD adapter,
 * its configuration and its {@code CompletionStage} view), {@link io.kvcourier.event} (waiting on an adapter's
 * eventfds), {@link io.kvcourier.notify} (the proxy's side of notifications). Everything else is internal. JFR
 * events are named {@code io.kvcourier.*} and consumed by name.
 *
 * <p>This module and {@code io.kvcourier.verbs} call restricted FFM methods: run with
 * {@code --enable-native-access=io.kvcourier.verbs,io.kvcourier} on the module path
 * ({@code --enable-native-access=ALL-UNNAMED} on the class path).
 */
@SuppressWarnings("requires-automatic") // msgpack.core, deliberately: see README, "Modules"
module io.kvcourier {
    requires io.kvcourier.verbs;
    requires org.zeromq.jeromq;
    // msgpack-core 0.9.x has no module descriptor and no Automatic-Module-Name: this is its file-derived name.
    requires msgpack.core;
    requires jdk.jfr;
    requires java.logging;

    exports io.kvcourier.l2;
    exports io.kvcourier.pd;
    exports io.kvcourier.event;
    exports io.kvcourier.notify;
}
