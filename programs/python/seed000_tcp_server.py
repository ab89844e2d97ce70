# Seed 000: 【Python】socket通信を行う – UDP, TCP (CodeGraffiti), tcp_server.py.
# The article describes this program but shows its code only as an image, so this is the
# canonical program its text walks through: with-statements, bind ('127.0.0.1', 50000),
# listen(1), an accept loop; recv() until no data (then break), print the data and send
# it back with sendall(). Stop it with [control]+[C].
# Changed for the lab: binds '0.0.0.0' instead of '127.0.0.1' so a client on another
# host can reach it.
import socket
import datetime

print(datetime.datetime.now(), 'TCP server start')

with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.bind(('0.0.0.0', 50000))
    s.listen(1)
    while True:
        conn, addr = s.accept()
        with conn:
            while True:
                data = conn.recv(1024)
                if not data:
                    break
                print(data, addr)
                conn.sendall(data)
