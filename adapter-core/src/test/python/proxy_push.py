"""A prefiller's PUSH side in Python (pyzmq, so libzmq's ZMTP), for ProxyListenerInteropTest.

  proxy_push.py PORT COUNT TIMEOUT_SEC

Connects a pyzmq PUSH socket to 127.0.0.1:PORT, as LMCache's sender does to the proxy, and sends one message of
two frames (which the listener must skip) and then COUNT ProxyNotif messages encoded with msgspec, req_id
"py-<i>". Prints "SENT <n>" and exits 0 once the socket has flushed them (linger), or 3 when TIMEOUT_SEC pass first.
"""
import sys

import msgspec
import zmq

import pd_messages as m


def main() -> int:
    port, count, timeout = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH)
    sock.setsockopt(zmq.LINGER, int(timeout * 1000))
    sock.setsockopt(zmq.SNDTIMEO, int(timeout * 1000))
    sock.connect("tcp://127.0.0.1:%d" % port)
    enc = msgspec.msgpack.Encoder()
    try:
        sock.send_multipart([enc.encode(m.ProxyNotif(req_id="two-frames")), b"second frame"])
        for i in range(count):
            sock.send(enc.encode(m.ProxyNotif(req_id="py-%d" % i)))
    except zmq.Again:
        print("TIMEOUT", flush=True)
        return 3
    print("SENT", count, flush=True)
    sock.close()  # waits up to LINGER for the queue to drain
    ctx.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
