/** The last piece of work queued per realm; the operator's leader is the realm's one writer. */
const realmTurns = new Map<string, Promise<unknown>>();

/** Runs `work` after every piece queued before it for `realm` has settled. */
export function inTurn<T>(realm: string, work: () => Promise<T>): Promise<T> {
  const turn = (realmTurns.get(realm) ?? Promise.resolve()).then(work, work);
  const settled = turn.then(
    () => undefined,
    () => undefined,
  );
  realmTurns.set(realm, settled);
  void settled.then(() => {
    if (realmTurns.get(realm) === settled) realmTurns.delete(realm);
  });
  return turn;
}
