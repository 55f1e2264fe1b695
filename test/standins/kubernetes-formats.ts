import { isIPv4, isIPv6 } from 'node:net';

/**
 * The string formats the API server checks in custom resources (kube-openapi's registry), in
 * their lenient Go forms: "uri" is anything Go's url.ParseRequestURI takes, or a bare hostname.
 * Formats it does not know are accepted, as there.
 */
const HOST_CHARS = /^[\w.~!$&'()*+,;=:[\]%-]*$/;

function isHostname(value: string): boolean {
  if (value.length > 255) return false;
  const labels = value.split('.');
  const last = labels.at(-1) ?? '';
  const labelOk = (label: string) => /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u.test(label);
  if (labels.length === 1) return labelOk(value);
  return labels.slice(0, -1).every(labelOk) && /^\p{L}{2,63}$/u.test(last);
}

/** Go's url.ParseRequestURI: an absolute path, or a scheme with an opaque part or a valid authority. */
function isRequestUri(value: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Go refuses control characters in URLs.
  if (/[\x00-\x1f\x7f]/.test(value)) return false;
  if (value.startsWith('/')) return true;
  const rest = /^[a-zA-Z][a-zA-Z0-9+.-]*:(.*)$/s.exec(value)?.[1];
  if (rest === undefined) return false;
  if (!rest.startsWith('//')) return true;
  const authority = rest.slice(2).split(/[/?#]/)[0] ?? '';
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  return HOST_CHARS.test(host);
}

function isDateTime(value: string): boolean {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-]\d{2}:?\d{2})?$/.exec(value);
  return Boolean(match && isDate(value.slice(0, 10)) && Number(match[4]) < 24 && Number(match[5]) < 60);
}

function isDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.getUTCDate() === Number(match[3]);
}

const CHECKS: Record<string, (value: string) => boolean> = {
  uri: (value) => isRequestUri(value) || isHostname(value),
  hostname: isHostname,
  'date-time': isDateTime,
  datetime: isDateTime,
  date: isDate,
  ipv4: (value) => isIPv4(value),
  ipv6: (value) => isIPv6(value),
  cidr: (value) => {
    const [address = '', bits, extra] = value.split('/');
    const max = isIPv4(address) ? 32 : isIPv6(address) ? 128 : -1;
    return extra === undefined && /^\d{1,3}$/.test(bits ?? '') && Number(bits) <= max;
  },
  uuid: (value) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(value),
  byte: (value) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value),
  email: (value) => /^[^\s@]+@[^\s@]+$/.test(value),
  duration: (value) => /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|w))+$/.test(value),
};

export function formatValid(format: string, value: string): boolean {
  return CHECKS[format]?.(value) ?? true;
}

/** Integer formats bound the value's range. */
export function integerInRange(format: string | undefined, value: number): boolean {
  if (format === 'int32') return value >= -(2 ** 31) && value < 2 ** 31;
  return true;
}
