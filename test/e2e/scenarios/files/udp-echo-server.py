# Sends every datagram back to where it came from, for ever.
import socket

server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind(("0.0.0.0", 7300))
while True:
    data, peer = server.recvfrom(100)
    server.sendto(data, peer)
