# Seed 003: Python TCP/UDP socket (Korean), TCP "Client code", copied as printed.
# Changed for the lab: ip comes from the first command-line argument (sys.argv[1]),
# defaulting to the seed's "127.0.0.1" (and `import sys` was added for that).

from socket import *                           
import sys

ip = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"                               
port = 7001

clientSocket = socket(AF_INET, SOCK_STREAM)		### TCP 소켓을 지정한다 (STREAM)	
clientSocket.connect((ip,port))					### IP,Port Mapping

print("Connection Success..")
clientSocket.send("Hello, i'm client!".encode("utf-8"))		### 데이터 송신

data = clientSocket.recv(1024)					### 수신할 데이터 크기 

print("Client : Data Received : ",data.decode("utf-8"))          
clientSocket.close()
