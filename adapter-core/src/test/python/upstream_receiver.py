"""An upstream-style PD receiver's alloc port for UpstreamReceiverInteropTest.

  upstream_receiver.py PAGES

Binds a ROUTER on an ephemeral port of 127.0.0.1, prints {"event": "listening", "port": N}, and answers
AllocRequest and CancelNotif the way the receiver half of current upstream LMCache ``PDBackendAsync``
(``pd_backend_async.py``) does over a buffer of PAGES pages:

* a key it already holds goes to ``already_sent_indexes`` (it is pinned, as upstream's
  ``contains(key, pin=True)``) and ``remote_indexes`` lists pages only for the other keys, in request order;
* the first batch of a ``req_id`` reserves ``total_chunks`` (0 is an error, more than PAGES is "buffer too
  small"); a reservation that does not fit waits (the request is parked, and answered later, after other
  requests) until it fits or 20 s pass; a cumulative key count above ``total_chunks`` rolls the request back;
  ``is_last_batch`` releases what is left of the reservation; any error is answered ``[-1] * n``;
* ``CancelNotif`` drops one pin per named key, releases the reservation and is answered
  ``AllocResponse(remote_indexes=[])``; an undecodable payload is answered ``remote_indexes=[-1]``.

One deliberate difference, so that a test can check what a sender does with such a reply: a key whose
model name is ``fail`` gets ``-1`` in its slot while the other keys of the request keep their pages
(upstream itself answers every failure with ``[-1] * n``). There is no data plane and no channel handshake.

Every message and reply is reported as a JSON line ({"event": "request"|"parked"|"reply"|"cancel", ...}).
Closing stdin ends the script with {"event": "bye", ...}; it also ends by itself after 300 s.
"""
import collections
import json
import sys
import time

import msgspec
import zmq

import pd_messages as m

ADMISSION_TIMEOUT = 20.0
LIFETIME = 300.0


def emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


class RequestFailed(Exception):
    pass


class Receiver:
    def __init__(self, pages: int):
        self.pages = pages
        self.free = collections.deque(range(pages))
        self.data: dict[str, list[int]] = {}  # key -> [page, ref_count]
        self.reservations: dict[str, int] = {}
        self.total_reserved = 0
        self.req_allocated_keys: dict[str, list[str]] = {}

    # -- storage: contains(pin) / put / remove, as PDBackendAsync --------------------------------
    def contains(self, key: str, pin: bool) -> bool:
        entry = self.data.get(key)
        if entry is None:
            return False
        if pin:
            entry[1] += 1
        return True

    def remove(self, key: str) -> None:
        entry = self.data.get(key)
        if entry is not None:
            entry[1] -= 1
            if entry[1] == 0:
                del self.data[key]
                self.free.append(entry[0])

    # -- ReservationManager ------------------------------------------------------------------
    def try_admit(self, req_id: str, total: int) -> bool:
        if self.pages - self.total_reserved >= total:
            self.reservations[req_id] = total
            self.total_reserved += total
            return True
        return False

    def release(self, req_id: str) -> None:
        self.total_reserved -= self.reservations.pop(req_id, 0)

    # -- _async_allocate_and_put; returns None while the request waits for admission -------------
    def allocate_and_put(self, req: m.AllocRequest, admitted: bool):
        n = len(req.keys)
        req_id = req.req_id
        first = req_id and req_id not in self.req_allocated_keys
        if first and not admitted:
            if req.total_chunks == 0:
                raise RequestFailed("Receiver requires total_chunks > 0 for req %s" % req_id)
            if req.total_chunks > self.pages:
                raise RequestFailed("PD receiver buffer too small for req %s" % req_id)
            if not self.try_admit(req_id, req.total_chunks):
                return None
        if req_id:
            prev = len(self.req_allocated_keys.get(req_id, []))
            if prev + n > req.total_chunks:
                for k in self.req_allocated_keys.pop(req_id, []):
                    self.remove(k)
                self.release(req_id)
                raise RequestFailed("Request %s protocol violation" % req_id)
        alloc_indexes: list[int] = []
        already: list[int] = []
        batch: list[str] = []
        try:
            for idx, k in enumerate(req.keys):
                if self.contains(k, pin=True):
                    already.append(idx)
                    batch.append(k)
                    continue
                if k.startswith("fail@"):  # the scripted difference (see the module doc)
                    alloc_indexes.append(-1)
                    continue
                if not self.free:
                    raise RequestFailed("Failed to allocate memory for key %s" % k)
                page = self.free.popleft()
                self.data[k] = [page, 1]
                alloc_indexes.append(page)
                batch.append(k)
        except RequestFailed:
            for k in batch:
                self.remove(k)
            if req_id:
                for k in self.req_allocated_keys.pop(req_id, []):
                    self.remove(k)
                self.release(req_id)
            raise
        if req_id:
            self.req_allocated_keys.setdefault(req_id, []).extend(batch)
            if req.is_last_batch:
                self.req_allocated_keys.pop(req_id, None)
                self.release(req_id)
        return m.AllocResponse(remote_indexes=alloc_indexes, already_sent_indexes=already)

    def cancel(self, c: m.CancelNotif) -> m.AllocResponse:
        for k in c.keys:
            self.remove(k)
        self.release(c.req_id)
        self.req_allocated_keys.pop(c.req_id, None)
        return m.AllocResponse(remote_indexes=[])


def main() -> int:
    pages = int(sys.argv[1])
    ctx = zmq.Context()
    sock = ctx.socket(zmq.ROUTER)
    sock.setsockopt(zmq.LINGER, 0)
    port = sock.bind_to_random_port("tcp://127.0.0.1")
    emit(event="listening", port=port)
    recv = Receiver(pages)
    parked: list[tuple[bytes, m.AllocRequest, float]] = []
    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)
    poller.register(sys.stdin, zmq.POLLIN)
    end = time.monotonic() + LIFETIME
    seq = 0

    def reply(identity: bytes, resp: m.AllocResponse, req_id: str) -> None:
        nonlocal seq
        seq += 1
        sock.send_multipart([identity, b"", msgspec.msgpack.encode(resp)])
        emit(event="reply", seq=seq, identity=identity.decode(errors="replace"), req_id=req_id,
             remote=list(resp.remote_indexes), already=list(resp.already_sent_indexes), free=len(recv.free))

    def serve(identity: bytes, req: m.AllocRequest, admitted: bool) -> bool:
        try:
            resp = recv.allocate_and_put(req, admitted)
        except RequestFailed as e:
            emit(event="error", req_id=req.req_id, error=str(e))
            resp = m.AllocResponse(remote_indexes=[-1] * max(len(req.keys), 1))
        if resp is None:
            return False
        reply(identity, resp, req.req_id)
        return True

    try:
        while time.monotonic() < end:
            events = dict(poller.poll(100))
            if events.get(sys.stdin.fileno()) or events.get(sys.stdin):
                if not sys.stdin.readline():
                    break
            if sock in events:
                frames = sock.recv_multipart()
                identity, payload = frames[0], frames[-1]
                n_keys = 0
                try:
                    msg = msgspec.msgpack.decode(payload, type=m.PDMsg)
                except msgspec.DecodeError as e:
                    emit(event="malformed", error=str(e))
                    reply(identity, m.AllocResponse(remote_indexes=[-1] * max(n_keys, 1)), "")
                    continue
                if isinstance(msg, m.CancelNotif):
                    emit(event="cancel", identity=identity.decode(errors="replace"), req_id=msg.req_id,
                         keys=list(msg.keys))
                    reply(identity, recv.cancel(msg), msg.req_id)
                elif isinstance(msg, m.AllocRequest):
                    emit(event="request", identity=identity.decode(errors="replace"), req_id=msg.req_id,
                         keys=list(msg.keys))
                    if not serve(identity, msg, False):
                        emit(event="parked", req_id=msg.req_id)
                        parked.append((identity, msg, time.monotonic() + ADMISSION_TIMEOUT))
                else:
                    reply(identity, m.AllocResponse(remote_indexes=[-1]), "")
            # Parked requests retry admission after every change, in arrival order, and fail at their deadline.
            still = []
            for identity, req, deadline in parked:
                if recv.try_admit(req.req_id, req.total_chunks):
                    serve(identity, req, True)
                elif time.monotonic() >= deadline:
                    emit(event="error", req_id=req.req_id, error="admission timed out")
                    reply(identity, m.AllocResponse(remote_indexes=[-1] * max(len(req.keys), 1)), req.req_id)
                else:
                    still.append((identity, req, deadline))
            parked = still
        emit(event="bye", free=len(recv.free), keys=sorted(recv.data), reserved=recv.total_reserved)
        return 0
    finally:
        sock.close(0)
        ctx.term()


if __name__ == "__main__":
    sys.exit(main())
