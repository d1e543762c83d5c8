"""An upstream-style PD sender driving a kvcourier receiver's alloc port (UpstreamSenderInteropTest).

  upstream_sender.py ALLOC_PORT INIT_PORT PAGES

Behaves like the sender half of current upstream LMCache ``PDBackendAsync`` (``pd_backend_async.py``):
one DEALER per receiver with identity ``f"{local_id}-to-{receiver_id}"``, frames ``[b"", payload]``,
the reply is ``frames[-1]`` decoded with the async message union, and every reply is validated exactly as
upstream's ``_async_transfer_task`` does it ("Invalid already_sent_indexes", "AllocResponse inconsistency",
a ``-1`` aborts the whole request with ``CancelNotif(req_id, sent_keys)``). Deduplicated keys are not
written. There is no data plane here (upstream writes through NIXL, which kvcourier does not speak): the
keys a real sender would write are reported, and the Java test makes their batches land.

Runs a fixed list of steps. Each step prints one JSON line on stdout (its view: what it sent, the reply,
its verdict); a step the test must act on in the middle prints a line first and goes on. After a step the
script waits for a line on stdin before the next one, so the test can check the receiver in between. Every
wait is bounded; exit code 0 when every step ran, 1 on an error.
"""
import json
import os
import sys
import uuid

import msgspec
import zmq

import pd_messages as m

WAIT_MS = 30_000
FMT = 1  # KV_2LTD: shape [2, layers, tokens, hidden], token dim 2
SHAPE = [2, 2, 16, 64]
DTYPE = "bfloat16"
TOKENS = SHAPE[2]


def key(name: str) -> str:
    """A key in the L2 ObjectKey canonical form: model@kv_rank:08x@group:x@chunk_hash.hex()."""
    return "llama@%08x@%x@%s" % (0, 0, name.encode().hex())


def emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


def wait_go() -> None:
    if not sys.stdin.readline():
        raise SystemExit("stdin closed before the next step")


class UpstreamSender:
    """The sender side of PDBackendAsync for one receiver (one process's view)."""

    def __init__(self, ctx: zmq.Context, alloc_port: int, init_port: int, tag: str = ""):
        self.local_id = "sender-pid%d-%s%s" % (os.getpid(), uuid.uuid4().hex[:8], tag)
        self.receiver_id = "127.0.0.1" + str(init_port)
        self.identity = ("%s-to-%s" % (self.local_id, self.receiver_id)).encode()
        self.socket = ctx.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.IDENTITY, self.identity)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.connect("tcp://127.0.0.1:%d" % alloc_port)
        # per-request tracking, as upstream keeps it
        self.completed_chunks: dict[str, int] = {}
        self.req_has_last: dict[str, bool] = {}
        self.req_total_chunks: dict[str, int] = {}
        self.sent_keys: dict[str, list[str]] = {}
        self.proxy_notified: list[str] = []
        self.cancel_replies: list[dict] = []

    # -- _async_remote_allocate, split so that two senders can have requests out at the same time --
    def send(self, msg) -> None:
        self.socket.send_multipart([b"", msgspec.msgpack.encode(msg)])

    def send_raw(self, payload: bytes) -> None:
        self.socket.send_multipart([b"", payload])

    def recv(self):
        if not self.socket.poll(WAIT_MS):
            raise TimeoutError("no reply within %d ms" % WAIT_MS)
        frames = self.socket.recv_multipart()
        return msgspec.msgpack.decode(frames[-1], type=m.PDMsg)

    def remote_allocate(self, msg):
        self.send(msg)
        return self.recv()

    # -- _async_transfer_task ------------------------------------------------------------------
    def begin(self, names, req_id="", is_last_batch=False, total_chunks=0):
        """The first half of a transfer task: tracking, then the AllocRequest goes out."""
        keys = [key(n) for n in names]
        if req_id and req_id not in self.req_total_chunks:
            self.req_total_chunks[req_id] = total_chunks
            self.completed_chunks[req_id] = 0
            self.req_has_last[req_id] = False
            self.sent_keys[req_id] = []
        self.send(m.AllocRequest(keys=keys, fmt=FMT, shape=SHAPE, dtype=DTYPE, last_chunk_toks=TOKENS,
                                 req_id=req_id, is_last_batch=is_last_batch,
                                 total_chunks=self.req_total_chunks.get(req_id, 0)))
        return keys

    def finish(self, keys, req_id="", is_last_batch=False) -> dict:
        """The second half: the reply is validated and used exactly as upstream does."""
        view = {"req_id": req_id, "keys": keys}
        try:
            resp = self.recv()
            view["remote"] = list(resp.remote_indexes)
            view["already"] = list(resp.already_sent_indexes)
            already_sent_indexes = set(resp.already_sent_indexes)
            remote_indexes = resp.remote_indexes
            num_keys = len(keys)
            if already_sent_indexes:
                if min(already_sent_indexes) < 0 or max(already_sent_indexes) >= num_keys:
                    raise RuntimeError("Invalid already_sent_indexes from receiver: %s, valid range [0, %d)"
                                       % (resp.already_sent_indexes, num_keys))
            expected_send_count = num_keys - len(already_sent_indexes)
            if len(remote_indexes) != expected_send_count:
                raise RuntimeError("AllocResponse inconsistency: total_keys=%d, already_sent=%d, "
                                   "remote_indexes=%d, expected=%d" % (num_keys, len(already_sent_indexes),
                                                                        len(remote_indexes), expected_send_count))
            keys_to_send = [k for i, k in enumerate(keys) if i not in already_sent_indexes]
            for k, remote_addr in zip(keys_to_send, remote_indexes, strict=True):
                if remote_addr == -1:
                    view["outcome"] = "aborted"
                    view["failed_key"] = k
                    if req_id:
                        view["cancel"] = self.abort_request(req_id)
                    return view
            if req_id:
                self.sent_keys.setdefault(req_id, []).extend(keys)  # dedup'd keys included, as upstream
            # Here upstream writes keys_to_send into remote_indexes through NIXL.
            view["to_send"] = keys_to_send
            view["pages"] = list(remote_indexes)
            view["outcome"] = "sent"
            if req_id:
                self.completed_chunks[req_id] = self.completed_chunks.get(req_id, 0) + num_keys
                if is_last_batch:
                    self.req_has_last[req_id] = True
                self.check_proxy_notif(req_id)
            return view
        except RuntimeError as e:
            view["outcome"] = "error"
            view["error"] = str(e)
            if req_id:
                view["cancel"] = self.abort_request(req_id)
            return view

    def transfer(self, names, req_id="", is_last_batch=False, total_chunks=0) -> dict:
        keys = self.begin(names, req_id, is_last_batch, total_chunks)
        return self.finish(keys, req_id, is_last_batch)

    def check_proxy_notif(self, req_id: str) -> None:
        total = self.req_total_chunks.get(req_id, 0)
        completed = self.completed_chunks.get(req_id, 0)
        if self.req_has_last.get(req_id, False) and (total == 0 or completed >= total):
            self.proxy_notified.append(req_id)  # upstream PUSHes ProxyNotif(req_id) here
            self.forget(req_id)

    # -- _abort_request / cancel_request ---------------------------------------------------------
    def abort_request(self, req_id: str):
        """Returns what the CancelNotif named and how the receiver answered it (None when none was sent)."""
        sent_keys = self.sent_keys.get(req_id, [])
        result = None
        if sent_keys:
            reply = self.remote_allocate(m.CancelNotif(req_id=req_id, keys=sent_keys))
            result = {"keys": sent_keys, "reply_type": type(reply).__name__,
                      "reply_remote": list(getattr(reply, "remote_indexes", [None])),
                      "reply_already": list(getattr(reply, "already_sent_indexes", [None]))}
        self.forget(req_id)
        return result

    def forget(self, req_id: str) -> None:
        for d in (self.completed_chunks, self.req_has_last, self.req_total_chunks, self.sent_keys):
            d.pop(req_id, None)

    def close(self) -> None:
        self.socket.close(0)


def main() -> int:
    alloc_port, init_port, pages = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    ctx = zmq.Context()
    a = UpstreamSender(ctx, alloc_port, init_port)
    b = UpstreamSender(ctx, alloc_port, init_port, tag="-b")
    try:
        emit(step="hello", identity=a.identity.decode(), identity_b=b.identity.decode())
        wait_go()

        # A fresh request in two batches.
        emit(step="fresh-1", **a.transfer(["F0", "F1"], "fresh", False, 4))
        wait_go()
        v = a.transfer(["F2", "F3"], "fresh", True, 4)
        emit(step="fresh-2", proxy="fresh" in a.proxy_notified, **v)
        wait_go()

        # Keys the receiver already committed, mixed with a new one.
        v = a.transfer(["F1", "N0", "F3"], "dupc", True, 3)
        emit(step="dup-committed", proxy="dupc" in a.proxy_notified, **v)
        wait_go()

        # Keys still in flight for another request: the receiver answers once they committed.
        emit(step="inflight-a", **a.transfer(["I0", "I1"], "infl-a", True, 2))
        wait_go()
        keys = a.begin(["I1", "I2"], "infl-b", True, 2)
        emit(step="inflight-b-sent", keys=keys)
        emit(step="inflight-b", **a.finish(keys, "infl-b", True))
        wait_go()

        # Two concurrent requests on two DEALERs; the one sent first waits for a key in flight.
        emit(step="hold", **a.transfer(["H0"], "hold", True, 1))
        wait_go()
        keys_a = a.begin(["H0", "C0"], "cc-a", True, 2)
        keys_b = b.begin(["C1", "C2"], "cc-b", True, 2)
        poller = zmq.Poller()
        poller.register(a.socket, zmq.POLLIN)
        poller.register(b.socket, zmq.POLLIN)
        ready = dict(poller.poll(WAIT_MS))
        if b.socket in ready:
            emit(step="concurrent-first", dealer="b", **b.finish(keys_b, "cc-b", True))
            emit(step="concurrent-second", dealer="a", **a.finish(keys_a, "cc-a", True))
        else:
            emit(step="concurrent-first", dealer="a", **a.finish(keys_a, "cc-a", True))
            emit(step="concurrent-second", dealer="b", **b.finish(keys_b, "cc-b", True))
        wait_go()

        # A request larger than the receiver's whole buffer: [-1] * n at once, the request aborts.
        emit(step="over-capacity", **a.transfer(["B0", "B1"], "big", False, pages + 1))
        wait_go()

        # More chunks than the request declared: the receiver rolls back and answers -1; the sender
        # aborts and cancels the keys of its earlier batch.
        emit(step="overflow-1", **a.transfer(["V0", "V1"], "ovf", False, 2))
        wait_go()
        emit(step="overflow-2", **a.transfer(["V2"], "ovf", True, 2))
        wait_go()

        # cancel_request on a request in the middle of its transfer.
        emit(step="cancel-1", **a.transfer(["X0", "X1"], "cx", False, 3))
        wait_go()
        emit(step="cancel", cancel=a.abort_request("cx"))
        wait_go()

        # Garbage on the alloc port: upstream answers [-1]; so must kvcourier.
        a.send_raw(b"\xc1\xc1 not msgpack")
        reply = a.recv()
        emit(step="garbage", reply_type=type(reply).__name__, remote=list(reply.remote_indexes),
             already=list(reply.already_sent_indexes))
        wait_go()
        emit(step="done")
        return 0
    except Exception as e:  # noqa: BLE001 - report to the Java side
        emit(step="error", error="%s: %s" % (type(e).__name__, e))
        return 1
    finally:
        a.close()
        b.close()
        ctx.term()


if __name__ == "__main__":
    sys.exit(main())
