/**
 * Transfer channels (internal): how the bytes of a batch move from a sender's staging pages into a receiver's.
 * {@link io.kvcourier.channel.ChannelSender} and {@link io.kvcourier.channel.ChannelReceiver} are the two roles,
 * {@link io.kvcourier.channel.ChannelConnection} one sender's connection to one receiver rank, and
 * {@link io.kvcourier.channel.TransferChannels} picks the implementation: in-process memory
 * ({@link io.kvcourier.channel.MockMemoryChannel}), tcp ({@code channel.tcp}) or RDMA verbs
 * ({@code channel.verbs}). A receiver learns that a batch landed through a
 * {@link io.kvcourier.channel.LandingListener}, after the last byte is in its pages. A channel reads nothing of the
 * adapter: its values come in a {@link io.kvcourier.channel.ChannelSettings} the adapter fills.
 */
package io.kvcourier.channel;
