# Seed 000: 【Python】socket通信を行う – UDP, TCP (CodeGraffiti), tcp_client.py.
# The article describes this program but shows its code only as an image, so this is the
# canonical program its text walks through: a with-statement, connect to
# ('127.0.0.1', 50000), sendall(b'Hello TCP'), recv() the server's echo and print it
# with repr().
# Changed for the lab: the server address comes from the first command-line argument
# (sys.argv[1]), defaulting to the seed's '127.0.0.1'.
import socket
import datetime
import sys

HOST = sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1'

print(datetime.datetime.now(), 'TCP client start')

with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.connect((HOST, 50000))
    s.sendall(b'Hello TCP')
    data = s.recv(1024)

print('Received', repr(data))
