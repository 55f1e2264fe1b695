import { closeSync, openSync, readSync } from 'node:fs';

interface AuditLine {
  auditID: string;
  verb: string;
  user: { username: string };
  objectRef?: { resource?: string; subresource?: string };
}

/** One user's requests, as the apiserver audited them, classified the way the rows report them. */
export interface RequestCounts {
  requests: number;
  /** GETs of single objects (what an informer cache would answer), and by resource. */
  gets: number;
  getsOf: Record<string, number>;
  /** Lists and watches. */
  listWatches: number;
  /** Requests for no resource: API discovery (the client resolving a kind to its resource). */
  discovery: number;
  writes: number;
  /** Writes by `resource[/subresource]`. */
  writesTo: Record<string, number>;
  /** Lease requests (leader election), counted apart from everything above. */
  leaseRequests: number;
  leaseWrites: number;
}

const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/**
 * Follows the apiserver's audit log (JSON lines) for one user, reading only what was appended
 * since the last call: the log grows by thousands of lines while the bench polls it. A watch is
 * audited twice (ResponseStarted, ResponseComplete), so requests are counted by audit ID.
 */
export class AuditTail {
  private offset = 0;
  private partial = '';
  private readonly seen = new Set<string>();
  private readonly events: AuditLine[] = [];

  constructor(
    private readonly file: string,
    private readonly username: string,
  ) {}

  /** Reads what was appended; returns how many of the user's requests have been seen in all. */
  read(): number {
    const fd = openSync(this.file, 'r');
    try {
      const buffer = Buffer.alloc(1 << 20);
      for (;;) {
        const bytes = readSync(fd, buffer, 0, buffer.length, this.offset);
        if (bytes === 0) break;
        this.offset += bytes;
        const lines = (this.partial + buffer.toString('utf8', 0, bytes)).split('\n');
        this.partial = lines.pop() ?? '';
        for (const line of lines) this.add(line);
      }
    } finally {
      closeSync(fd);
    }
    return this.events.length;
  }

  private add(line: string) {
    if (!line.includes(this.username)) return;
    const event = JSON.parse(line) as AuditLine;
    if (event.user.username !== this.username || this.seen.has(event.auditID)) return;
    this.seen.add(event.auditID);
    this.events.push(event);
  }

  /** How many requests other than Lease ones were seen: a mark to count from, or to wait on. */
  nonLease(): number {
    this.read();
    return this.events.filter((event) => event.objectRef?.resource !== 'leases').length;
  }

  /** Position to count from later. */
  mark(): number {
    return this.read();
  }

  /** The user's requests seen since `mark`. */
  since(mark: number): RequestCounts {
    this.read();
    const counts: RequestCounts = {
      requests: 0,
      gets: 0,
      getsOf: {},
      listWatches: 0,
      discovery: 0,
      writes: 0,
      writesTo: {},
      leaseRequests: 0,
      leaseWrites: 0,
    };
    for (const event of this.events.slice(mark)) {
      const write = WRITES.has(event.verb);
      if (event.objectRef?.resource === 'leases') {
        counts.leaseRequests++;
        if (write) counts.leaseWrites++;
        continue;
      }
      counts.requests++;
      const ref = event.objectRef;
      if (!ref?.resource) counts.discovery++;
      else if (event.verb === 'get') {
        counts.gets++;
        counts.getsOf[ref.resource] = (counts.getsOf[ref.resource] ?? 0) + 1;
      }
      if (event.verb === 'list' || event.verb === 'watch') counts.listWatches++;
      if (write) {
        counts.writes++;
        const to = `${event.verb} ${ref?.resource}${ref?.subresource ? `/${ref.subresource}` : ''}`;
        counts.writesTo[to] = (counts.writesTo[to] ?? 0) + 1;
      }
    }
    return counts;
  }
}
