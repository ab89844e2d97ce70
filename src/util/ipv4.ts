// IPv4 arithmetic for subnets and addresses, enough for lab planning and validation.

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

export function numberToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export interface Subnet {
  /** First address (the network address). */
  network: number;
  prefix: number;
  size: number;
}

export function parseSubnet(cidr: string): Subnet {
  const [ip, prefixText] = cidr.split('/');
  const prefix = Number(prefixText);
  const size = 2 ** (32 - prefix);
  const network = Math.floor(ipToNumber(ip ?? '0.0.0.0') / size) * size;
  return { network, prefix, size };
}

export function subnetText(subnet: Subnet): string {
  return `${numberToIp(subnet.network)}/${subnet.prefix}`;
}

/** True when the CIDR's address has host bits set (10.0.0.1/24 instead of 10.0.0.0/24). */
export function hasHostBits(cidr: string): boolean {
  const [ip] = cidr.split('/');
  return ipToNumber(ip ?? '') !== parseSubnet(cidr).network;
}

export function contains(cidr: string, ip: string): boolean {
  const subnet = parseSubnet(cidr);
  const value = ipToNumber(ip);
  return value >= subnet.network && value < subnet.network + subnet.size;
}

export function overlaps(a: string, b: string): boolean {
  const x = parseSubnet(a);
  const y = parseSubnet(b);
  return x.network < y.network + y.size && y.network < x.network + x.size;
}

export function networkAddress(cidr: string): string {
  return numberToIp(parseSubnet(cidr).network);
}

export function broadcastAddress(cidr: string): string {
  const subnet = parseSubnet(cidr);
  return numberToIp(subnet.network + subnet.size - 1);
}

/** The last address hosts could use: socklab's default for the bridge's reserved gateway. */
export function lastUsableAddress(cidr: string): string {
  const subnet = parseSubnet(cidr);
  return numberToIp(subnet.network + subnet.size - 2);
}
