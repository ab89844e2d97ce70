# Seed 003: Python TCP/UDP socket (Korean), UDP "Server code", copied as printed.
# Changed for the lab: binds '0.0.0.0' instead of '127.0.0.1' so a client on another
# host can reach it.

from socket import *

sock = socket(AF_INET, SOCK_DGRAM)             ### UDP 소켓을 지정한다 (DGRAM)
sock.bind(('0.0.0.0',7001))	                 ### IP 포트번호 지정

data, addr = sock.recvfrom(200)                ### 데이터 수신 대기 (크기)
sock.sendto(data, addr)                         ### 데이터를 클라이언트에 송신

sock.close()
