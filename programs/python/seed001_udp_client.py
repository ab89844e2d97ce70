# Seed 001: Python クライアントサーバソケット機能 UDPプロトコル編(anaconda-jupyter),
# 「ソケット-クライアント機能(004)」, copied as printed. The web page's non-breaking
# spaces (U+00A0) are written as plain spaces so Python can run it.
# Changed for the lab: HOST comes from the first command-line argument (sys.argv[1]),
# defaulting to the seed's "127.0.0.1" (and `import sys` was added for that).

# ******************************
# ソケット-クライアント機能(004)
# UDPクライアント
# ******************************


# モジュールのインポート
import socket
import sys


# グローバル変数
# 接続先ホストの名前(localhost)
HOST = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
# サーバ側のダイナミックポート番号(49152~65535)
D_PORT_NO = 49152
# 受信バッファの大きさ
BUFSIZE = 4096


# ソケットの作成
#  AF_INET:ネットワーク層はIPv4を利用
#  SOCK_DGRAM:UDPプロトコルを利用する
client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

print("client=", client)


print("ソケットの作成")


# サーバとの接続
# "Hello"の文字列をサーバに送信する
client.sendto(b"Hello.", (HOST, D_PORT_NO))


print("サーバにメッセージ送信")


# サーバからのメッセージの受信
server_reception_data = client.recv(BUFSIZE)


print("サーバからの受信データ",server_reception_data.decode("UTF-8"))


#サーバの接続を切断
client.close()


print("サーバ切断完了")
