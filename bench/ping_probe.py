"""PING a Redis every 10 ms on its own connection until STOP_FILE exists; print the worst
round trip in milliseconds, the count and the 99th percentile. Used by keys-vs-peers.sh to see how much a scan
delays other clients. Standard library only."""
import os
import socket
import sys
import time

host, port, stop_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((host, port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
times = []
while not os.path.exists(stop_file):
    t0 = time.perf_counter()
    s.sendall(b"PING\r\n")
    buf = b""
    while not buf.endswith(b"\r\n"):
        chunk = s.recv(64)
        if not chunk:
            sys.exit(1)
        buf += chunk
    times.append((time.perf_counter() - t0) * 1000)
    time.sleep(0.01)
times.sort()
if not times:
    print("0.00 0 0.00")
else:
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"{times[-1]:.2f} {len(times)} {p99:.2f}")
