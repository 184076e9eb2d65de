/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP) for tests: answers A, AAAA, CNAME and TXT
 * queries from a table the test edits, NXDOMAIN for names it does not know, SERVFAIL for names
 * marked failing. Enough of RFC 1035 for Node's resolver (c-ares); nothing more.
 */
import dgram from "node:dgram";
import type { AddressInfo } from "node:net";

export interface DnsRecords {
  A?: string[];
  AAAA?: string[];
  CNAME?: string;
  /** Each record is its character-strings (a long value split in chunks, as providers do). */
  TXT?: string[][];
}

const TYPES = { A: 1, CNAME: 5, TXT: 16, AAAA: 28 } as const;

export interface TestDnsServer {
  /** `127.0.0.1:<port>`, for DNS_SERVERS. */
  address: string;
  records: Map<string, DnsRecords>;
  failing: Set<string>;
  /** Questions received, as `TYPE name`. */
  queries: string[];
  stop(): Promise<void>;
}

function encodeName(name: string): Buffer {
  const parts = name.split(".").filter(Boolean).map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, "ascii")]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail] = address.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((group, i) => out.writeUInt16BE(parseInt(group, 16), i * 2));
  return out;
}

function rdata(type: number, records: DnsRecords): Buffer[] {
  if (type === TYPES.A) return (records.A ?? []).map((ip) => Buffer.from(ip.split(".").map(Number)));
  if (type === TYPES.AAAA) return (records.AAAA ?? []).map(ipv6Bytes);
  if (type === TYPES.CNAME) return records.CNAME ? [encodeName(records.CNAME)] : [];
  if (type === TYPES.TXT) {
    return (records.TXT ?? []).map((chunks) => Buffer.concat(chunks.map((chunk) => Buffer.concat([Buffer.from([Buffer.byteLength(chunk)]), Buffer.from(chunk)]))));
  }
  return [];
}

function answer(query: Buffer, records: Map<string, DnsRecords>, failing: Set<string>, log: string[]): Buffer {
  // Question: labels from offset 12, then type and class.
  let offset = 12;
  const labels: string[] = [];
  while (query[offset]! > 0) {
    const length = query[offset]!;
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString("ascii"));
    offset += length + 1;
  }
  const questionEnd = offset + 5;
  const type = query.readUInt16BE(offset + 1);
  const name = labels.join(".").toLowerCase();
  log.push(`${Object.entries(TYPES).find(([, code]) => code === type)?.[0] ?? type} ${name}`);
  const known = records.get(name);
  const rcode = failing.has(name) ? 2 : known ? 0 : 3;
  const answers = rcode === 0 && known ? rdata(type, known) : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | rcode, 2); // QR, AA, RD copied
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const body = answers.map((data) => {
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc00c, 0); // the question's name
    fixed.writeUInt16BE(type, 2);
    fixed.writeUInt16BE(1, 4);
    fixed.writeUInt32BE(60, 6);
    fixed.writeUInt16BE(data.length, 10);
    return Buffer.concat([fixed, data]);
  });
  return Buffer.concat([header, query.subarray(12, questionEnd), ...body]);
}

export async function startDnsServer(): Promise<TestDnsServer> {
  const socket = dgram.createSocket("udp4");
  const records = new Map<string, DnsRecords>();
  const failing = new Set<string>();
  const queries: string[] = [];
  socket.on("message", (message, remote) => {
    try {
      socket.send(answer(message, records, failing, queries), remote.port, remote.address);
    } catch {
      // A malformed packet gets no answer, like a real server under garbage.
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    records,
    failing,
    queries,
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
