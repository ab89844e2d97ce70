# Sends one datagram at a time to the echo server for SECONDS seconds, each from a new
# socket, and counts those that never came back within 300 ms.
import socket
import sys
import time

server, seconds = sys.argv[1], float(sys.argv[2])
sent = lost = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.settimeout(0.3)
    client.sendto(b"ping", (server, 7300))
    sent += 1
    try:
        client.recvfrom(100)
    except socket.timeout:
        lost += 1
    client.close()
    time.sleep(0.003)
print(f"sent {sent}, lost {lost}")
