import {
  Client,
  type ElicitRequest,
  type ElicitResult,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import type { ServerContext } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES, HEADERS, MODERN_PROTOCOL_VERSION } from '../../contract/index.js';
import { decide, readState, writeState } from '../../server/confirmation.js';
import { basicAuth, call, callOk, groupwareAvailable, unique, useServer } from '../harness.js';
import { modernRpc } from '../modern-rpc.js';

const BULK = 'nc_calendar_bulk_operations';
/** What a client that can show its user a form declares. */
const FORM = { elicitation: { form: {} } };

/**
 * Destructive tools ask 2026-07-28 clients that can show a form before they act (MCP
 * multi-round-trip requests), against Radicale behind the Nextcloud stand-in: the question names
 * what would change, only a "yes" to that very question acts, and everyone else runs as before.
 */
describe.runIf(groupwareAvailable())('confirmations of destructive tools', () => {
  const env = useServer({ groupware: true });
  const rpc = modernRpc(env);
  const calendar = unique('confirm')
    .replace(/[^\w-]/g, '-')
    .toLowerCase();

  beforeAll(async () => {
    await callOk(env.client, 'nc_calendar_manage_calendar', { action: 'create', calendar_name: calendar });
  });
  afterAll(async () => {
    await call(env.client, 'nc_calendar_manage_calendar', { action: 'delete', calendar_name: calendar });
  });

  /** `count` events titled `<prefix> 1…count`, each on its own September day. */
  async function seed(prefix: string, count: number, first = 1) {
    for (let n = first; n < first + count; n++) {
      const day = String(n).padStart(2, '0');
      await callOk(env.client, 'nc_calendar_create_event', {
        calendar_name: calendar,
        title: `${prefix} ${n}`,
        start_datetime: `2026-09-${day}T09:00:00Z`,
        end_datetime: `2026-09-${day}T10:00:00Z`,
      });
    }
  }
  /** The titles of the calendar's events containing `prefix`, as they are now. */
  async function titles(prefix: string): Promise<string[]> {
    const listed = await callOk(env.client, 'nc_calendar_list_events', {
      calendar_name: calendar,
      start_date: '2026-09-01',
      end_date: '2026-09-30',
    });
    return (listed.events as { summary: string }[])
      .map((event) => event.summary)
      .filter((title) => title.startsWith(prefix))
      .sort();
  }
  const deleting = (prefix: string) => ({
    operation: 'delete',
    calendar_name: calendar,
    title_contains: prefix,
  });
  /** A call of a 2026 client that can ask; `retry` adds the answer and the echoed state. */
  const callAsking = (args: Record<string, unknown>, retry: Record<string, unknown> = {}, name = BULK) =>
    rpc('tools/call', { name, arguments: args, ...retry }, { capabilities: FORM });
  const answer = (requestState: unknown, response: ElicitResult) => ({
    inputResponses: { confirm: response },
    requestState,
  });
  const yes: ElicitResult = { action: 'accept', content: { confirm: true } };

  it('asks first, naming the count and the titles, and deletes on a confirmed retry', async () => {
    await seed('Purge', 3);
    const asked = await callAsking(deleting('Purge'));
    expect(asked.result).toMatchObject({
      resultType: 'input_required',
      inputRequests: {
        confirm: {
          method: 'elicitation/create',
          params: { mode: 'form', requestedSchema: { properties: { confirm: { type: 'boolean' } } } },
        },
      },
      requestState: expect.any(String),
    });
    const message: string = asked.result.inputRequests.confirm.params.message;
    expect(message).toContain('Delete 3 events');
    expect(message).toContain('title contains "Purge"');
    expect(message).toContain('"Purge 1"');
    expect(await titles('Purge')).toEqual(['Purge 1', 'Purge 2', 'Purge 3']);

    const done = await callAsking(deleting('Purge'), answer(asked.result.requestState, yes));
    expect(done.sentId).not.toBe(asked.sentId);
    expect(done.result).toMatchObject({
      resultType: 'complete',
      structuredContent: { operation: 'delete', total_found: 3, succeeded: 3 },
    });
    expect(await titles('Purge')).toEqual([]);
  });

  it('changes nothing when the user declines, dismisses or says no, and says so without an error', async () => {
    await seed('Keep', 2);
    const asked = await callAsking(deleting('Keep'));
    const answers: ElicitResult[] = [
      { action: 'decline' },
      { action: 'cancel' },
      { action: 'accept', content: { confirm: false } },
    ];
    for (const response of answers) {
      const refused = await callAsking(deleting('Keep'), answer(asked.result.requestState, response));
      expect(refused.result, response.action).toMatchObject({
        resultType: 'complete',
        structuredContent: { total_found: 2, succeeded: 0, results: [] },
        content: [{ type: 'text', text: expect.stringContaining('declined') }, expect.anything()],
      });
      expect(refused.result.isError).toBeFalsy();
    }
    expect(await titles('Keep')).toEqual(['Keep 1', 'Keep 2']);
  });

  it('asks again, acting on nothing, for a state that is not this question’s', async () => {
    await seed('Guard', 2);
    const asked = await callAsking(deleting('Guard'));
    const state: string = asked.result.requestState;
    const decoded = readState(state);
    expect(decoded).toBeDefined();
    if (!decoded) return;
    const stale = [
      ['no state', undefined],
      ['garbage', 'not-a-state'],
      ['too long', `${state}${'A'.repeat(2000)}`],
      ['tampered', writeState({ ...decoded, seen: decoded.args })],
      ['expired', writeState({ ...decoded, exp: Date.now() - 1 })],
    ] as const;
    for (const [why, echoed] of stale) {
      const again = await callAsking(deleting('Guard'), answer(echoed, yes));
      expect(again.result?.resultType, why).toBe('input_required');
      expect(again.result.inputRequests.confirm.params.message, why).toContain('Delete 2 events');
    }
    // The state of one question, with other arguments (a wider filter): asked about those.
    await seed('Guardian', 1, 20);
    const wider = await callAsking(deleting('Guard'.slice(0, 4)), answer(state, yes));
    expect(wider.result?.resultType).toBe('input_required');
    expect(wider.result.inputRequests.confirm.params.message).toContain('Delete 3 events');
    expect(await titles('Guard')).toEqual(['Guard 1', 'Guard 2', 'Guardian 20']);
  });

  it('asks again when what matches changed after the question, about what is there now', async () => {
    await seed('Grow', 2);
    const asked = await callAsking(deleting('Grow'));
    await seed('Grow', 1, 3);
    const again = await callAsking(deleting('Grow'), answer(asked.result.requestState, yes));
    expect(again.result?.resultType).toBe('input_required');
    expect(again.result.inputRequests.confirm.params.message).toContain('Delete 3 events');
    expect(await titles('Grow')).toEqual(['Grow 1', 'Grow 2', 'Grow 3']);
    const done = await callAsking(deleting('Grow'), answer(again.result.requestState, yes));
    expect(done.result.structuredContent).toMatchObject({ total_found: 3, succeeded: 3 });
    expect(await titles('Grow')).toEqual([]);
  });

  it('asks about moves and updates too, and not at all when nothing matches', async () => {
    await seed('Shift', 1);
    const moving = { operation: 'move', title_contains: 'Shift', target_calendar: calendar };
    const move = await callAsking(moving);
    expect(move.result.inputRequests.confirm.params.message).toMatch(/^Move to calendar .* 1 event /);
    const updating = { operation: 'update', title_contains: 'Shift', new_location: 'Attic' };
    const update = await callAsking(updating);
    expect(update.result.inputRequests.confirm.params.message).toMatch(/^Change location of 1 event /);
    const none = await callAsking(deleting('Nothing matches this'));
    expect(none.result).toMatchObject({ resultType: 'complete', structuredContent: { total_found: 0 } });
  });

  it('runs as before for a 2026 client that cannot show a form, and for 2025 clients', async () => {
    await seed('Plain', 2);
    const modern = await rpc('tools/call', { name: BULK, arguments: deleting('Plain 1') });
    expect(modern.result).toMatchObject({ resultType: 'complete', structuredContent: { succeeded: 1 } });
    // A 2025 client, even one that declares elicitation: the stateless 2025 leg asks nothing.
    const asked: ElicitRequest[] = [];
    const legacy = await connectV2('legacy', (request) => {
      asked.push(request);
      return { action: 'decline' };
    });
    try {
      const done = await legacy.callTool({ name: BULK, arguments: deleting('Plain 2') });
      expect(done.structuredContent).toMatchObject({ succeeded: 1 });
    } finally {
      await legacy.close();
    }
    expect(asked).toEqual([]);
    expect(await titles('Plain')).toEqual([]);
  });

  it('asks before deleting an address book, naming its contacts', async () => {
    const book = unique('gone')
      .replace(/[^\w-]/g, '-')
      .toLowerCase();
    await callOk(env.client, 'nc_contacts_create_addressbook', { name: book, display_name: 'Old clients' });
    for (const fn of ['Ann Lee', 'Bo Chen'])
      await callOk(env.client, 'nc_contacts_create_contact', { addressbook: book, contact_data: { fn } });
    const asked = await callAsking({ name: book }, {}, 'nc_contacts_delete_addressbook');
    expect(asked.result.inputRequests.confirm.params.message).toBe(
      `Delete the address book "Old clients" (${book}) with its 2 contacts? It cannot be restored.`,
    );
    const books = async () =>
      ((await callOk(env.client, 'nc_contacts_list_addressbooks')).addressbooks as { uri: string }[]).map(
        (listed) => listed.uri,
      );
    expect(await books()).toContain(book);
    const done = await callAsking(
      { name: book },
      answer(asked.result.requestState, yes),
      'nc_contacts_delete_addressbook',
    );
    expect(done.result.structuredContent).toEqual({ name: book, deleted: true });
    expect(await books()).not.toContain(book);
  });

  it('completes the round trip with the real v2 client, whose handler asks the user', async () => {
    await seed('Real', 2);
    const asked: string[] = [];
    const client = await connectV2({ pin: MODERN_PROTOCOL_VERSION }, (request) => {
      asked.push(request.params.message);
      return yes;
    });
    try {
      expect(client.getProtocolEra()).toBe('modern');
      const done = await client.callTool({ name: BULK, arguments: deleting('Real') });
      expect(done.structuredContent).toMatchObject({ total_found: 2, succeeded: 2 });
    } finally {
      await client.close();
    }
    expect(asked).toEqual([expect.stringContaining('Delete 2 events')]);
    expect(await titles('Real')).toEqual([]);
  });

  /** A v2 client declaring form elicitation, as the proxy's hop reaches the server. */
  async function connectV2(
    mode: 'legacy' | { pin: string },
    onElicit: (request: ElicitRequest) => ElicitResult,
  ): Promise<Client> {
    const client = new Client(
      { name: 'confirm-test', version: '2.0.0' },
      { capabilities: FORM, versionNegotiation: { mode } },
    );
    client.setRequestHandler('elicitation/create', async (request) => onElicit(request));
    await client.connect(
      new StreamableHTTPClientTransport(new URL(env.server.url), {
        requestInit: {
          headers: {
            [HEADERS.authorization]: basicAuth(env.target.user, env.target.appPassword),
            [HEADERS.user]: env.target.user,
            [HEADERS.scopes]: ALL_SCOPES.join(' '),
          },
        },
      }),
    );
    return client;
  }
});

/** The binding to the caller, which the suite above (one user) cannot show. */
describe('a confirmation state', () => {
  const question = { message: 'Delete 1 event?', affected: ['a'], declined: {} };
  const round = (responses: Record<string, unknown> | undefined, state?: string) =>
    ({ mcpReq: { inputResponses: responses, requestState: () => state } }) as unknown as ServerContext;
  const yes = { confirm: { action: 'accept', content: { confirm: true } } };

  it('confirms only for the user, tool and arguments it was asked of', () => {
    const alice = { user: 'alice', tool: BULK, args: { operation: 'delete', title_contains: 'x' } };
    const asked = decide(question, alice, round(undefined));
    if (asked.kind !== 'ask') throw new Error(`asked nothing: ${asked.kind}`);
    const state = asked.result.requestState;
    expect(decide(question, alice, round(yes, state)).kind).toBe('run');
    // The same arguments with their keys in another order are the same arguments.
    const reordered = { ...alice, args: { title_contains: 'x', operation: 'delete' } };
    expect(decide(question, reordered, round(yes, state)).kind).toBe('run');
    expect(decide(question, { ...alice, user: 'bob' }, round(yes, state)).kind).toBe('ask');
    expect(decide(question, { ...alice, tool: 'nc_other' }, round(yes, state)).kind).toBe('ask');
    expect(decide({ ...question, affected: ['b'] }, alice, round(yes, state)).kind).toBe('ask');
    expect(decide(question, alice, round(yes, state), Date.now() + 6 * 60_000).kind).toBe('ask');
  });
});
