"""A proxy's PULL side in Python, for ProxyNotifierInteropTest.

  proxy_pull.py COUNT TIMEOUT_SEC

Binds a pyzmq PULL socket on an ephemeral port of 127.0.0.1 and prints "PORT <n>". Then receives
COUNT messages, decodes each strictly with msgspec against the message union upstream's
disagg_proxy_server.py uses (the sync one: AllocRequest | AllocResponse | ProxyNotif, no CancelNotif; a
message that is not a ProxyNotif, or does not decode, is a failure) and prints "NOTIF <req_id as JSON>" or
"BAD <why>". Exits 0 after COUNT good messages, 1 on a bad one, 3 when TIMEOUT_SEC pass first.
"""
import json
import sys
import time

import msgspec
import zmq

import pd_messages as m


def main() -> int:
    count, timeout = int(sys.argv[1]), float(sys.argv[2])
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PULL)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.MAXMSGSIZE, 65536)
    port = sock.bind_to_random_port("tcp://127.0.0.1")
    print("PORT", port, flush=True)
    decoder = msgspec.msgpack.Decoder(m.sync.PDMsg)
    deadline = time.monotonic() + timeout
    good = 0
    rc = 0
    try:
        while good < count:
            left = deadline - time.monotonic()
            if left <= 0 or not sock.poll(int(left * 1000)):
                print("TIMEOUT after", good, flush=True)
                return 3
            frames = sock.recv_multipart()
            try:
                if len(frames) != 1:
                    raise ValueError("expected 1 frame, got %d" % len(frames))
                msg = decoder.decode(frames[0])
                if not isinstance(msg, m.ProxyNotif):
                    raise ValueError("expected ProxyNotif, got %s" % type(msg).__name__)
            except Exception as e:  # noqa: BLE001 - report to the Java side
                print("BAD", type(e).__name__, e, flush=True)
                rc = 1
                continue
            print("NOTIF", json.dumps(msg.req_id), flush=True)
            good += 1
        return rc
    finally:
        sock.close()
        ctx.term()


if __name__ == "__main__":
    sys.exit(main())
