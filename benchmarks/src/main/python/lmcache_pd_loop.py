#!/usr/bin/env python3
"""LMCache's PD store path in Python, as the end-to-end benchmark's comparison peer.

One process plays the three parts of LMCache's PD store loop the way its Python stack does them:

* sender   (thread ``pd-l2-sender-async``, its own asyncio loop): per request, an ``AllocRequest``
  over a DEALER socket (an ``asyncio.Lock`` serialises request/response pairs, as PDBackendAsync does),
  then the chunk writes are handed to a transfer worker thread and their completion is polled every
  1 ms (NIXL channel: ``check_xfer_state`` every 1 ms until DONE), then ``ProxyNotif(req_id)`` is
  PUSHed once the request's last batch is done;
* receiver (thread ``pd-l2-receiver-async``, its own asyncio loop): a ROUTER that allocates one page
  per key (a ring over its page pool) and answers ``AllocResponse``, one asyncio task per request;
* proxy    (thread ``proxy-pull``): a PULL socket that timestamps every ``ProxyNotif``.

Requests are issued open-loop at a fixed rate from the main thread with ``run_coroutine_threadsafe``
(what ``submit_store_task`` does); a request's latency is ProxyNotif arrival minus its *intended*
start, so a stalled loop cannot hide its queueing delay (coordinated omission).

Prints one JSON object on stdout: {"rates": [{"rate", "sent", "notified", "latencies_ns": [...]}]}.
Messages are msgspec tagged structs, byte-compatible with kvcourier's (and LMCache's) wire format.
"""
import argparse
import asyncio
import concurrent.futures
import json
import sys
import threading
import time

import msgspec
import zmq
import zmq.asyncio


class AllocRequest(msgspec.Struct, tag=True):
    keys: list[str]
    fmt: int
    shape: list[int]
    dtype: str
    last_chunk_toks: int
    req_id: str = ""
    is_last_batch: bool = False
    total_chunks: int = 0


class AllocResponse(msgspec.Struct, tag=True):
    remote_indexes: list[int]
    already_sent_indexes: list[int] = []


class ProxyNotif(msgspec.Struct, tag=True):
    req_id: str


PDMsg = AllocRequest | AllocResponse | ProxyNotif
ENCODER = msgspec.msgpack.Encoder()
DECODER = msgspec.msgpack.Decoder(PDMsg)


def start_loop(name):
    loop = asyncio.new_event_loop()
    t = threading.Thread(target=loop.run_forever, name=name, daemon=True)
    t.start()
    return loop


class Receiver:
    """The decode side: a ROUTER alloc server over a page pool of ``pages`` pages."""

    def __init__(self, ctx, pages, chunk_bytes):
        self.pages = pages
        self.buffer = memoryview(bytearray(pages * chunk_bytes))
        self.chunk_bytes = chunk_bytes
        self.next_page = 0
        self.data = {}
        self.router = ctx.socket(zmq.ROUTER)
        self.port = self.router.bind_to_random_port("tcp://127.0.0.1")
        self.send_lock = asyncio.Lock()

    async def serve(self):
        while True:
            identity, _, payload = await self.router.recv_multipart()
            asyncio.get_running_loop().create_task(self.handle(identity, payload))

    async def handle(self, identity, payload):
        req = DECODER.decode(payload)
        indexes = []
        for key in req.keys:
            page = self.next_page
            self.next_page = (self.next_page + 1) % self.pages
            self.data[key] = page
            indexes.append(page)
        async with self.send_lock:
            await self.router.send_multipart([identity, b"", ENCODER.encode(AllocResponse(remote_indexes=indexes))])


class Sender:
    """The prefill side: DEALER alloc client, a transfer worker, and the PUSH proxy socket."""

    def __init__(self, ctx, alloc_port, proxy_port, receiver, chunk_bytes, chunks):
        self.dealer = ctx.socket(zmq.DEALER)
        self.dealer.setsockopt(zmq.IDENTITY, b"bench-sender-to-receiver")
        self.dealer.connect(f"tcp://127.0.0.1:{alloc_port}")
        self.push = ctx.socket(zmq.PUSH)
        self.push.connect(f"tcp://127.0.0.1:{proxy_port}")
        self.lock = asyncio.Lock()
        self.receiver = receiver
        self.chunk_bytes = chunk_bytes
        self.sources = [memoryview(bytes([i + 1]) * chunk_bytes) for i in range(chunks)]
        self.transfer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="xfer-agent")
        self.completed = {}
        self.failed = 0

    def write(self, indexes):
        buf, n = self.receiver.buffer, self.chunk_bytes
        for src, page in zip(self.sources, indexes):
            buf[page * n:(page + 1) * n] = src

    async def store(self, req_id, keys):
        request = AllocRequest(keys=keys, fmt=1, shape=[2, 32, 256, 1024], dtype="bfloat16",
                               last_chunk_toks=256, req_id=req_id, is_last_batch=True,
                               total_chunks=len(keys))
        async with self.lock:
            await self.dealer.send_multipart([b"", ENCODER.encode(request)])
            frames = await self.dealer.recv_multipart()
        resp = DECODER.decode(frames[-1])
        if any(i == -1 for i in resp.remote_indexes):
            self.failed += 1
            return
        handle = self.transfer.submit(self.write, resp.remote_indexes)
        while not handle.done():  # check_xfer_state every 1 ms until DONE
            await asyncio.sleep(0.001)
        handle.result()
        done = self.completed.get(req_id, 0) + len(keys)
        if done >= len(keys):
            self.completed.pop(req_id, None)
            await self.push.send(ENCODER.encode(ProxyNotif(req_id=req_id)))
        else:
            self.completed[req_id] = done


class Proxy:
    """The proxy's PULL socket, timestamping notifications on its own thread."""

    def __init__(self):
        self.ctx = zmq.Context()
        self.pull = self.ctx.socket(zmq.PULL)
        self.port = self.pull.bind_to_random_port("tcp://127.0.0.1")
        self.arrivals = {}
        self.running = True
        self.thread = threading.Thread(target=self.run, name="proxy-pull", daemon=True)
        self.thread.start()

    def run(self):
        poller = zmq.Poller()
        poller.register(self.pull, zmq.POLLIN)
        while self.running:
            if poller.poll(100):
                msg = DECODER.decode(self.pull.recv())
                self.arrivals[msg.req_id] = time.perf_counter_ns()

    def close(self):
        self.running = False
        self.thread.join(5)
        self.pull.close(0)
        self.ctx.term()


def keys_for(request, chunks):
    return [f"bench-model@00000000@0@{request:016x}{i:08x}{'6b76' * 10}" for i in range(chunks)]


def run_rate(sender, sender_loop, proxy, rate, seconds, prefix, first_request, chunks, grace):
    period_ns = int(1e9 / rate)
    count = int(rate * seconds)
    intended = {}
    t0 = time.perf_counter_ns() + 1_000_000
    for i in range(count):
        t = t0 + i * period_ns
        while True:
            left = t - time.perf_counter_ns()
            if left <= 0:
                break
            # Sleep until 200 us before the intended start, then yield: a sleep to the start itself wakes 100-200 us
            # late, which the latency (counted from the intended start) would charge to the loop (Pacing.java).
            time.sleep((left - 200_000) / 1e9 if left > 200_000 else 0)
        req_id = f"{prefix}-{i}"
        intended[req_id] = t
        asyncio.run_coroutine_threadsafe(sender.store(req_id, keys_for(first_request + i, chunks)), sender_loop)
    deadline = time.perf_counter_ns() + int(grace * 1e9)
    while time.perf_counter_ns() < deadline and any(r not in proxy.arrivals for r in intended):
        time.sleep(0.005)
    lat = [proxy.arrivals[r] - t for r, t in intended.items() if r in proxy.arrivals]
    return count, lat


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rates", default="50,200", help="requests per second, comma-separated")
    p.add_argument("--chunks", type=int, default=16)
    p.add_argument("--chunk-bytes", type=int, default=256 * 1024)
    p.add_argument("--pages", type=int, default=256)
    p.add_argument("--warmup", type=float, default=1.0, help="seconds per rate, discarded")
    p.add_argument("--seconds", type=float, default=3.0, help="measured seconds per rate")
    p.add_argument("--grace", type=float, default=10.0, help="seconds to wait for late notifications")
    a = p.parse_args()

    proxy = Proxy()
    ctx = zmq.asyncio.Context()
    receiver_loop = start_loop("pd-l2-receiver-async")
    sender_loop = start_loop("pd-l2-sender-async")

    async def make_receiver():
        r = Receiver(ctx, a.pages, a.chunk_bytes)
        asyncio.get_running_loop().create_task(r.serve())
        return r

    receiver = asyncio.run_coroutine_threadsafe(make_receiver(), receiver_loop).result(10)

    async def make_sender():
        return Sender(ctx, receiver.port, proxy.port, receiver, a.chunk_bytes, a.chunks)

    sender = asyncio.run_coroutine_threadsafe(make_sender(), sender_loop).result(10)
    results = []
    request = 0
    for rate in [int(r) for r in a.rates.split(",")]:
        n, _ = run_rate(sender, sender_loop, proxy, rate, a.warmup, f"w{rate}", request, a.chunks, a.grace)
        request += n
        n, lat = run_rate(sender, sender_loop, proxy, rate, a.seconds, f"m{rate}", request, a.chunks, a.grace)
        request += n
        results.append({"rate": rate, "sent": n, "notified": len(lat), "latencies_ns": lat})
    print(json.dumps({"python": sys.version.split()[0], "msgspec": msgspec.__version__,
                      "pyzmq": zmq.__version__, "failed_allocs": sender.failed, "rates": results}))
    sys.stdout.flush()
    proxy.close()
    import os
    os._exit(0)  # daemon loop threads hold sockets; skip the context's term() wait


if __name__ == "__main__":
    main()
