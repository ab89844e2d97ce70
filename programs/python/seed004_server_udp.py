# Seed 004: 【図解あり】ソケット通信の仕組みについてわかりやすく解説! (envader),
# server_udp.py, copied as printed.
# Changed for the lab: binds '0.0.0.0' instead of '127.0.0.1' so a client on another
# host can reach it.

import socket

# SOCK_DGRAM: UDPプロトコルを指定する
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 60002))

count = 0
while count < 5:
		# クライアントからデータを受信する
    data, addr = s.recvfrom(4096)
		# クライアントから受信したデータと、クライアントのIPアドレス、ポート番号をそれぞれ表示する
    print(data, addr)
    count += 1

s.close()
