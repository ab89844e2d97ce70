# Seed 000: 【Python】socket通信を行う – UDP, TCP (CodeGraffiti), udp_server.py.
# The article describes this program but shows its code only as an image, so this is the
# canonical program its text walks through: import socket and datetime, print the start
# time and "Waiting...", bind ('127.0.0.1', 50000), recvfrom(1024), print the data, close.
# Changed for the lab: binds '0.0.0.0' instead of '127.0.0.1' so a client on another
# host can reach it.
import socket
import datetime

print(datetime.datetime.now(), 'UDP server start')
print('Waiting...')

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(('0.0.0.0', 50000))

data, addr = sock.recvfrom(1024)
print(data, addr)

sock.close()
