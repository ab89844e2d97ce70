# Hand-made IPv6 frames from a lab host to the host side of its bridge, through a packet
# socket (needs NET_RAW): an ICMPv6 echo request and a TCP SYN to PORT, then whatever
# answers within two seconds (answering the host's neighbor solicitation on the way). Lab containers have IPv6 turned off, so this is the way a
# hostile program would try to reach the engine host over IPv6.
#   python3 ipv6-frames.py IFACE BRIDGE_MAC BRIDGE_LINK_LOCAL PORT
# Prints "echo-reply" and/or "syn-ack" for each answer seen, then "done".
import socket
import struct
import sys
import time

iface, bridge_mac_text, bridge_ip_text, port_text = sys.argv[1:5]
port = int(port_text)
bridge_mac = bytes.fromhex(bridge_mac_text.replace(':', ''))
bridge_ip = socket.inet_pton(socket.AF_INET6, bridge_ip_text)

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86DD))
s.bind((iface, 0))
own_mac = s.getsockname()[4]
# A link-local source derived from our MAC, as the kernel would make it.
eui = bytearray(own_mac[:3] + b'\xff\xfe' + own_mac[3:])
eui[0] ^= 0x02
own_ip = b'\xfe\x80' + b'\x00' * 6 + bytes(eui)


def checksum(data):
    if len(data) % 2:
        data += b'\x00'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def frame(next_header, payload, dst_ip=bridge_ip, dst_mac=bridge_mac):
    pseudo = own_ip + dst_ip + struct.pack('!I', len(payload)) + b'\x00\x00\x00' + bytes([next_header])
    csum_at = 2 if next_header == 58 else 16
    payload = payload[:csum_at] + struct.pack('!H', checksum(pseudo + payload)) + payload[csum_at + 2:]
    ipv6 = struct.pack('!IHBB', 0x60000000, len(payload), next_header, 255) + own_ip + dst_ip
    return dst_mac + own_mac + b'\x86\xdd' + ipv6 + payload


echo = struct.pack('!BBHHH', 128, 0, 0, 0x5CC1, 1) + b'socklab'
syn = struct.pack('!HHIIBBHHH', 40123, port, 1, 0, 5 << 4, 0x02, 64240, 0, 0)
s.send(frame(58, echo))
s.send(frame(6, syn))

s.settimeout(0.2)
until = time.time() + 2
while time.time() < until:
    try:
        data = s.recv(4096)
    except socket.timeout:
        continue
    if len(data) < 54 or data[12:14] != b'\x86\xdd':
        continue
    next_header, payload = data[20], data[54:]
    # An answer needs our MAC: the host asks for it (neighbor solicitation), and as the kernel
    # here has IPv6 off, this script says it (neighbor advertisement).
    if next_header == 58 and payload[0] == 135 and payload[8:24] == own_ip:
        advert = struct.pack('!BBHI', 136, 0, 0, 0x60000000) + own_ip + b'\x02\x01' + own_mac
        s.send(frame(58, advert, dst_ip=data[22:38], dst_mac=data[6:12]))
        continue
    if data[38:54] != own_ip:
        continue
    if next_header == 58 and payload[0] == 129:
        print('echo-reply', flush=True)
    if next_header == 6 and len(payload) >= 14 and payload[13] & 0x12 == 0x12:
        print('syn-ack', flush=True)
print('done', flush=True)
