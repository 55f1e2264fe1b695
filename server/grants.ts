import type { App, Scope } from '../contract/index.js';

/**
 * What the caller may reach besides the tool at hand: the scopes their token holds and the apps the
 * tenant enabled. A tool that spans apps (unified search) asks only what these cover, so it never
 * shows more than the caller's other tools could.
 */
export interface Grants {
  readonly scopes: ReadonlySet<Scope>;
  readonly apps: ReadonlySet<App>;
}
