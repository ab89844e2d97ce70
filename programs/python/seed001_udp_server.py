# Seed 001: Python クライアントサーバソケット機能 UDPプロトコル編(anaconda-jupyter),
# 「ソケット-サーバ機能(003)」, copied as printed. The web page's non-breaking spaces
# (U+00A0) are written as plain spaces so Python can run it.
# Changed for the lab: binds "0.0.0.0" instead of "127.0.0.1" so a client on another
# host can reach it.

# ******************************
# ソケット-サーバ機能(003)
# ******************************


# モジュールのインポート
# 低水準ネットワークインターフェース
import socket


# グローバル変数
# ダイナミックポート番号(49152~65535)
D_PORT_NO = 49152
# 受信バッファの大きさ
BUFSIZE = 4096
# クライアントアクセス回数
access_cnt = 0


# ソケットの作成
#  AF_INET:ネットワーク層はIPv4を利用
#  SOCK_DGRAM:UDPプロトコルを利用する
server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


# 接続させたいホスト名(またはアドレス)とポート番号を設定
server.bind(("0.0.0.0", D_PORT_NO))


print("サーバ起動しました。クライアントの接続待ち")


# クライアントへの対応処理
while True: 

# クライアントからのメッセージ待ち 
    data, client = server.recvfrom(BUFSIZE)


    access_cnt += 1
    sending_message = "Server accessed.(" + str(access_cnt) + ")"


    print("送信メッセージ=",sending_message)


# クライアントへメッセージの送信
    server.sendto(sending_message.encode("utf-8"), client)

    print("メッセージ送信完了")
