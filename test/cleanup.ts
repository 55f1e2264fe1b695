/**
 * Undoing what a suite made, so that a real Nextcloud (TEST_NEXTCLOUD_URL), which keeps its state
 * between runs, ends a run as it began and the suites pass again and again on it.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll } from 'vitest';
import { deleteTag, suiteTag } from './dav-client.js';
import { basicAuth, call, callOk, type Target } from './harness.js';

/** What an undo step may meet without failing: the thing is gone already (the test removed it). */
const GONE = /not found|does not exist/i;

/**
 * Registers an `afterAll` that runs the undo steps added to it, newest first. Every step is tried
 * even when another fails, and the failures are reported together after the last one: a cleanup
 * that did not work fails the suite's hook, next to (never instead of) the tests' own failures.
 * Register it after `useServer()`, so that it runs while the suite's client is still connected.
 */
export function useCleanup() {
  const steps: { what: string; run: () => Promise<unknown> }[] = [];
  afterAll(async () => {
    const failures: string[] = [];
    for (const step of steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (error) {
        failures.push(`${step.what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (failures.length > 0) throw new Error(`cleanup failed, left behind:\n${failures.join('\n')}`);
  });
  return {
    /** Adds an undo step; `what` names what it removes or restores, for the failure report. */
    add(what: string, run: () => Promise<unknown>): void {
      steps.push({ what, run });
    },
    /** Adds a step that calls a tool, accepting an answer that says the thing is gone already. */
    tool(client: () => Client, name: string, args: Record<string, unknown>): void {
      steps.push({ what: `${name} ${JSON.stringify(args)}`, run: () => undoTool(client(), name, args) });
    },
  };
}

/** Calls a tool to undo something; throws unless it worked or the thing was gone already. */
export async function undoTool(client: Client, name: string, args: Record<string, unknown>): Promise<void> {
  const result = await call(client, name, args);
  if (result.isError && !GONE.test(result.text)) throw new Error(result.text);
}

/** A request to the target with the suite user's app password; throws unless it answered `ok`. */
export async function request(
  target: Target,
  method: string,
  path: string,
  ok: (status: number) => boolean = (status) => status < 300,
): Promise<Response> {
  const response = await fetch(`${target.url}${path}`, {
    method,
    headers: {
      authorization: basicAuth(target.user, target.appPassword),
      'ocs-apirequest': 'true',
      accept: 'application/json',
    },
  });
  if (!ok(response.status)) throw new Error(`${method} ${path} answered ${response.status}`);
  return response;
}

/**
 * Deletes a Deck board (no tool does), unless it is deleted already: Deck answers a deleted board
 * with 403, keeps it (with its deletedAt, out of the UI's lists) and purges it in its own time.
 */
export async function deleteDeckBoard(target: Target, boardId: number): Promise<void> {
  const boards = '/index.php/apps/deck/api/v1.0/boards';
  const listed = (await (await request(target, 'GET', boards)).json()) as { id: number; deletedAt: number }[];
  const board = listed.find((candidate) => candidate.id === boardId);
  if (!board || board.deletedAt > 0) return;
  await request(target, 'DELETE', `${boards}/${boardId}`);
}

/** Removes every attachment of a Deck card, so that no share of a file for it stays behind. */
export async function detachAll(
  client: Client,
  where: { board_id: number; stack_id: number; card_id: number },
): Promise<void> {
  const listed = await call(client, 'deck_list_attachments', where);
  if (listed.isError) throw new Error(listed.text);
  for (const attachment of listed.data.attachments as { id: number }[])
    await undoTool(client, 'deck_delete_attachment', { ...where, attachment_id: attachment.id });
}

/** True if the folder exists in the user's files (to know whether a suite may remove it again). */
export async function folderExists(client: Client, path: string): Promise<boolean> {
  const listed = await call(client, 'nc_webdav_list_directory', { path });
  if (listed.isError && !GONE.test(listed.text)) throw new Error(listed.text);
  return !listed.isError;
}

/** Deletes a folder the suite created for its own use, unless something else was put there meanwhile. */
export async function deleteFolderIfEmpty(client: Client, path: string): Promise<void> {
  const listed = await call(client, 'nc_webdav_list_directory', { path });
  if (listed.isError) {
    if (GONE.test(listed.text)) return;
    throw new Error(listed.text);
  }
  if ((listed.data.entries as unknown[]).length === 0)
    await undoTool(client, 'nc_webdav_delete_resource', { path });
}

/**
 * The suite's system tag and a folder `root` to work in, both removed after the suite (the tag
 * where the user may): the tag's id.
 */
export async function suiteTagAndFolder(
  env: { target: Target; client: Client },
  cleanup: ReturnType<typeof useCleanup>,
  tagName: string,
  root: string,
): Promise<number> {
  const tagId = await suiteTag(env.target, tagName);
  cleanup.add(`tag ${tagName}`, () => deleteTag(env.target, tagId));
  await callOk(env.client, 'nc_webdav_create_directory', { path: root });
  cleanup.add(root, () =>
    request(env.target, 'DELETE', `/remote.php/dav/files/${env.target.user}${root}`, (status) =>
      [204, 404].includes(status),
    ),
  );
  return tagId;
}
