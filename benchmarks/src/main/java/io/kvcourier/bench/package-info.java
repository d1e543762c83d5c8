/**
 * {@code ./kvcourier bench}: JMH benchmarks and end-to-end suites that measure kvcourier beside its references
 * (raw pumps, the Python peer, memcpy, msgpack-core) in the same run, and report same-run ratios.
 */
package io.kvcourier.bench;
