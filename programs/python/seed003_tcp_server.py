# Seed 003: Python TCP/UDP socket (Korean), TCP "Server code", copied as printed.
# Changed for the lab: host = "0.0.0.0" instead of "127.0.0.1" so a client on another
# host can reach it.

from socket import *                    

host = "0.0.0.0"                        ### 사용할 임의 IP와 Port를 지정한다.
port = 7001                                     

serverSocket = socket(AF_INET, SOCK_STREAM)   ### TCP 소켓을 지정한다 (STREAM)	          
serverSocket.bind((host,port))          ### IP,Port Mapping                
serverSocket.listen(1)                  ### 최대 연결 수를 지정한다       
print("Waiting for Connection..")

connectionSocket,addr = serverSocket.accept()           
print(str(addr),"by Connetcion..")                  

data = connectionSocket.recv(1024)      ### 수신할 데이터 크기
print("Server : Data Received :", data.decode("utf-8"))     

connectionSocket.send("Hello, i'm server!".encode("utf-8"))   ### 데이터 송신

serverSocket.close()
