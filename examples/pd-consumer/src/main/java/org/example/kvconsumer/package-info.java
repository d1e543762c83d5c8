/**
 * A two-process example of kvcourier as a library: {@link org.example.kvconsumer.Prefill} runs a sender adapter
 * that stores each request's KV chunks, {@link org.example.kvconsumer.Decode} runs a receiver adapter that loads
 * and checks them, and {@code Workload} holds what both agree on without talking (requests, chunk keys, shape and
 * the bytes of each chunk).
 */
package org.example.kvconsumer;
