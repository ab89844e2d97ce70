// Addresses as `ip:port` and the patterns expectations use for them ('10.0.0.20:*').

export interface Endpoint {
  ip: string;
  port: number;
}

export function parseEndpoint(text: string): Endpoint | undefined {
  const at = text.lastIndexOf(':');
  if (at < 0) return undefined;
  const ip = text.slice(0, at).replace(/^::ffff:/, '');
  const port = text.slice(at + 1);
  return { ip, port: port === '*' ? 0 : Number(port) };
}

export const endpointText = (endpoint: Endpoint) => `${endpoint.ip}:${endpoint.port || '*'}`;

/** Matches an endpoint against 'ip:port' where either side may be '*', and so may any of the address's numbers ('192.168.77.*:*'). */
export function matchesPattern(endpoint: Endpoint, pattern: string): boolean {
  const at = pattern.lastIndexOf(':');
  const ip = pattern.slice(0, at);
  const port = pattern.slice(at + 1);
  return matchesAddress(endpoint.ip, ip) && (port === '*' || Number(port) === endpoint.port);
}

function matchesAddress(address: string, pattern: string): boolean {
  if (pattern === '*' || pattern === address) return true;
  const want = pattern.split('.');
  const have = address.split('.');
  return want.length === 4 && have.length === 4 && want.every((octet, index) => octet === '*' || Number(octet) === Number(have[index]));
}
