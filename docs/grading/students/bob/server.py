# A wrong answer, the classic one: it works on one laptop, but it listens on 127.0.0.1,
# so a client on another host cannot reach it.
import socket

with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.bind(('127.0.0.1', 50000))
    s.listen()
    while True:
        conn, addr = s.accept()
        with conn:
            while True:
                data = conn.recv(1024)
                if not data:
                    break
                print(data, addr)
                conn.sendall(data)
