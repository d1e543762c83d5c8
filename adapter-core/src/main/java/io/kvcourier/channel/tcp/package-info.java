/**
 * The tcp transfer channel ({@code transfer_channel: tcp}): {@link io.kvcourier.channel.tcp.TcpChannel#FACTORY}
 * makes its sender and receiver halves; the data-connection format is in
 * {@link io.kvcourier.channel.tcp.TcpFrames}.
 */
package io.kvcourier.channel.tcp;
