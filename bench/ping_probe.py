"""PING a Redis every 10 ms on its own connection until STOP_FILE exists; print the worst
round trip in milliseconds (and the count). Used by keys-vs-peers.sh to see how much a scan
delays other clients. Standard library only."""
import os
import socket
import sys
import time

host, port, stop_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((host, port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
worst = 0.0
n = 0
while not os.path.exists(stop_file):
    t0 = time.perf_counter()
    s.sendall(b"PING\r\n")
    buf = b""
    while not buf.endswith(b"\r\n"):
        chunk = s.recv(64)
        if not chunk:
            sys.exit(1)
        buf += chunk
    worst = max(worst, (time.perf_counter() - t0) * 1000)
    n += 1
    time.sleep(0.01)
print(f"{worst:.2f} {n}")
