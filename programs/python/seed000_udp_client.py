# Seed 000: 【Python】socket通信を行う – UDP, TCP (CodeGraffiti), udp_client.py.
# The article describes this program but shows its code only as an image, so this is the
# canonical program its text walks through: import socket and datetime, print the start
# time, sendto(b'Hello UDP', ('127.0.0.1', 50000)), close.
# Changed for the lab: the server address comes from the first command-line argument
# (sys.argv[1]), defaulting to the seed's '127.0.0.1'.
import socket
import datetime
import sys

HOST = sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1'

print(datetime.datetime.now(), 'UDP client start')

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.sendto(b'Hello UDP', (HOST, 50000))

sock.close()
