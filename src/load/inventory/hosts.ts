// A host entry as Ansible expands it: `name:port`, `[v6addr]:port`, and ranges `web-[01:10:2]`, `db-[a:f]`.
const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

const RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const LABEL = String.raw`(?:[\p{L}\p{N}_]|${RANGE})(?:[\p{L}\p{N}_-]|${RANGE})*(?<![_-])`;
const HOSTNAME = new RegExp(String.raw`^${LABEL}(?:\.${LABEL})*$`, "iu");
const IPV4_PART = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|\[[0-9]+:[0-9]+(?::[0-9]+)?\])`;
const IPV4 = new RegExp(String.raw`^(?:${IPV4_PART}\.){3}${IPV4_PART}$`);
// IPv6 in any of its compressed forms: hex groups, colons, and an optional dotted tail
const IPV6 = /^(?=.*:.*:)[0-9a-f:.[\]]+$/i;

/** parse_address(allow_ranges=True): the host part and port, or undefined when it is not an address. */
function parseAddress(text: string): { host: string; port?: number } | undefined {
  let address = text;
  let port: number | undefined;
  const bracketed = /^\[(.+)\]:([0-9]+)$/.exec(address);
  if (bracketed) [address, port] = [bracketed[1]!, Number(bracketed[2])];
  const hostport = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/.exec(address);
  if (hostport) [address, port] = [hostport[1]!, Number(hostport[2])];
  if (IPV4.test(address) || IPV6.test(address) || HOSTNAME.test(address))
    return { host: address, ...(port !== undefined ? { port } : {}) };
  return undefined;
}

/** Ansible's expand_hostname_range: the first `[a:b(:step)]` expanded, then the rest recursively. */
function expandRange(line: string): string[] {
  if (!line.includes("[")) return [line];
  const open = line.indexOf("[");
  const close = line.indexOf("]", open);
  if (close < 0) throw new Error("host range is missing its closing ']'");
  const head = line.slice(0, open);
  const tail = line.slice(close + 1);
  const bounds = line.slice(open + 1, close).split(":");
  if (bounds.length !== 2 && bounds.length !== 3) throw new Error("host range must be begin:end or begin:end:step");
  const beg = bounds[0] || "0";
  const end = bounds[1]!;
  const step = bounds.length === 3 ? Number(bounds[2]) : 1;
  if (!end) throw new Error("host range must specify end value");
  if (!Number.isInteger(step) || step <= 0)
    throw new Error(`host range step must be a positive whole number, not '${bounds[2]}'`);
  const width = beg[0] === "0" && beg.length > 1 ? beg.length : 0;
  if (width && width !== end.length) throw new Error("host range must specify equal-length begin and end formats");
  let seq: string[];
  const [ib, ie] = [LETTERS.indexOf(beg), LETTERS.indexOf(end)];
  if (beg.length === 1 && end.length === 1 && ib >= 0 && ie >= 0) {
    if (ib > ie) throw new Error("host range must have begin <= end");
    seq = [];
    for (let i = ib; i <= ie; i += step) seq.push(LETTERS[i]!);
  } else {
    if (!/^\d+$/.test(beg) || !/^\d+$/.test(end))
      throw new Error(`host range '[${bounds.join(":")}]' is neither numeric nor one letter to another`);
    seq = [];
    for (let i = Number(beg); i <= Number(end); i += step) seq.push(width ? String(i).padStart(width, "0") : String(i));
  }
  return seq.flatMap((s) => expandRange(head + s + tail));
}

/** A host entry's names and port (Ansible's _expand_hostpattern); throws a plain Error on a bad range. */
export function expandHostPattern(pattern: string): { names: string[]; port?: number } {
  const parsed = parseAddress(pattern);
  const host = parsed?.host ?? pattern;
  return { names: expandRange(host), ...(parsed?.port !== undefined ? { port: parsed.port } : {}) };
}
