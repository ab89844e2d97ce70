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

/** Matches an endpoint against 'ip:port' where either side may be '*'. */
export function matchesPattern(endpoint: Endpoint, pattern: string): boolean {
  const at = pattern.lastIndexOf(':');
  const ip = pattern.slice(0, at);
  const port = pattern.slice(at + 1);
  return (ip === '*' || ip === endpoint.ip) && (port === '*' || Number(port) === endpoint.port);
}
