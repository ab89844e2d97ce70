// tcpdump's verbose lines read into packet records; one packet is recognised on both sides of
// a NAT by what the NAT does not rewrite.
import { describe, expect, it } from 'vitest';
import { packetIdentity, parsePackets } from '../../src/observe/packets.js';

// As the lab image's tcpdump printed a SYN on a router's LAN side and then on its Internet side.
const LAN = `1795462050.390905 IP (tos 0x0, ttl 64, id 19276, offset 0, flags [DF], proto TCP (6), length 60)
    192.168.0.10.51264 > 203.0.113.80.80: Flags [S], cksum 0xfd31 (incorrect -> 0xd3bd), seq 1352134084, win 64240, options [mss 1460,sackOK,TS val 4075520626 ecr 0,nop,wscale 10], length 0
1795462050.391000 ARP, Request who-has 192.168.0.1 tell 192.168.0.10, length 28
1795462050.394847 IP (tos 0x0, ttl 63, id 19662, offset 0, flags [DF], proto TCP (6), length 64)
    203.0.113.80.80 > 192.168.0.10.51264: Flags [P.], cksum 0xfd35 (incorrect -> 0xbfa2), seq 215946032:215946044, ack 1352134085, win 64, options [nop,nop,TS val 2875858957 ecr 4075520627], length 12: HTTP
1795462050.5 IP (tos 0x0, ttl 64, id 7, offset 0, flags [none], proto ICMP (1), length 84)
    192.168.0.10 > 203.0.113.80: ICMP echo request, id 3, seq 1, length 64
`;
const INTERNET = `1795462050.391005 IP (tos 0x0, ttl 63, id 19276, offset 0, flags [DF], proto TCP (6), length 60)
    203.0.113.1.51264 > 203.0.113.80.80: Flags [S], cksum 0x7881 (incorrect -> 0x586e), seq 1352134084, win 64240, options [mss 1460,sackOK,TS val 4075520626 ecr 0,nop,wscale 10], length 0
`;

describe('parsePackets', () => {
  it('reads time, header, addresses, TCP flags and numbers, and skips what is not IPv4', () => {
    const packets = parsePackets(LAN);
    expect(packets).toHaveLength(3);
    expect(packets[0]).toEqual({
      time: 1795462050.390905,
      protocol: 'tcp',
      ttl: 64,
      ipId: 19276,
      length: 60,
      src: { ip: '192.168.0.10', port: 51264 },
      dst: { ip: '203.0.113.80', port: 80 },
      flags: 'S',
      seq: '1352134084',
      info: 'Flags [S], seq 1352134084, win 64240, length 0',
    });
    expect(packets[1]).toMatchObject({
      flags: 'P.',
      seq: '215946032:215946044',
      ack: '1352134085',
      info: 'Flags [P.], seq 215946032:215946044, ack 1352134085, win 64, length 12: HTTP',
    });
    expect(packets[2]).toMatchObject({
      protocol: 'icmp',
      src: { ip: '192.168.0.10' },
      dst: { ip: '203.0.113.80' },
      info: 'ICMP echo request, id 3, seq 1, length 64',
    });
  });

  it('knows the SYN on both sides of the NAT for one packet, and the reply for another', () => {
    const [lanSyn, lanReply] = parsePackets(LAN);
    const [internetSyn] = parsePackets(INTERNET);
    expect(packetIdentity(lanSyn!)).toBe(packetIdentity(internetSyn!));
    expect(packetIdentity(lanReply!)).not.toBe(packetIdentity(internetSyn!));
  });
});
