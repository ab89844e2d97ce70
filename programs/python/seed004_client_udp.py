# Seed 004: 【図解あり】ソケット通信の仕組みについてわかりやすく解説! (envader),
# client_udp.py, copied as printed.
# Changed for the lab: the server address comes from the first command-line argument
# (sys.argv[1]), defaulting to the seed's '127.0.0.1' (and `import sys` was added).

import socket
import sys

HOST = sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1'

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
# サーバを指定して、"Hello Server!"という文字列を送る
s.sendto(b'Hello Server!', (HOST, 60002))
