# Seed 004: 【図解あり】ソケット通信の仕組みについてわかりやすく解説! (envader),
# client_tcp.py, copied as printed.
# Changed for the lab: the server address comes from the first command-line argument
# (sys.argv[1]), defaulting to the seed's '127.0.0.1' (and `import sys` was added).

import socket
import sys

HOST = sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1'

# ホストのソケットオブジェクトの作成
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)

# サーバにリクエストを送る
# 127.0.0.1: サーバのIPアドレス
# 60001: サーバが待ち受けするポートを指定する
s.connect((HOST, 60001))

# サーバからデータを受信する
data = s.recv(4096)

# クライアントの標準出力に受信したデータを表示する
print(data)

# クライアントのソケットを削除する
s.close()
