# Seed 003: Python TCP/UDP socket (Korean), UDP "Client code", copied as printed.
# Changed for the lab: the server address comes from the first command-line argument
# (sys.argv[1]), defaulting to the seed's '127.0.0.1' (and `import sys` was added).

from socket import *
import sys

host = sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1'

sock = socket(AF_INET, SOCK_DGRAM)    ### UDP 소켓을 지정한다 (DGRAM)
sock.sendto("Hello!".encode(), (host,7001))    ### 데이터 송신

data, addr = sock.recvfrom(200)                            ### Server로 부터 수신한 데이터와 주소
print(data.decode(), addr)
