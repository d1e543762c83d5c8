/**
 * The ZMQ control plane (internal), owned by one platform thread per adapter
 * ({@link io.kvcourier.control.ControlAgent}): the sender's allocation sockets
 * ({@link io.kvcourier.control.AllocPool}), its one-shot channel handshakes
 * ({@link io.kvcourier.control.InitExchange}), allocations carried on the data connection
 * ({@link io.kvcourier.control.InBandExchanges}), the receiver's servers
 * ({@link io.kvcourier.control.ControlServer}), CURVE security and ZMTP heartbeats. No other thread touches a
 * jeromq socket.
 */
package io.kvcourier.control;
