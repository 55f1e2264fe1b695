import { describe, expect, it } from 'vitest';
import type { Condition } from '../../contract/index.js';
import { transitionEvents } from '../../operator/events.js';

const at = '2026-11-23T00:00:00Z';
const condition = (type: Condition['type'], status: Condition['status'], reason: string, message = reason) =>
  ({ type, status, reason, message, lastTransitionTime: at, observedGeneration: 1 }) as Condition;
const ready = (status: Condition['status'], reason: string, message?: string) =>
  condition('Ready', status, reason, message);

describe('the Events of a status change', () => {
  it('tell of Ready turning either way, and of nothing that stays', () => {
    const serving = ready('True', 'Ready', 'The MCP endpoint is serving');
    const down = ready('False', 'IdentityProviderUnavailable', 'Keycloak is down');
    expect(transitionEvents([down], [serving])).toEqual([
      { type: 'Normal', reason: 'Ready', message: 'The MCP endpoint is serving' },
    ]);
    expect(transitionEvents([serving], [down])).toEqual([
      { type: 'Warning', reason: 'IdentityProviderUnavailable', message: 'Keycloak is down' },
    ]);
    expect(transitionEvents([serving], [serving])).toEqual([]);
    // Still not ready, for another reason: no turn, no Event.
    expect(transitionEvents([down], [ready('False', 'SecretNotFound')])).toEqual([]);
  });

  it('say nothing of a resource just created waiting for its pods, but warn of one that starts failing', () => {
    expect(transitionEvents(undefined, [ready('False', 'ReplicasUnavailable')])).toEqual([]);
    expect(transitionEvents([], [ready('False', 'SecretNotFound', 'no Secret')])).toEqual([
      { type: 'Warning', reason: 'SecretNotFound', message: 'no Secret' },
    ]);
  });

  it('warn of a cleanup failure once per thing it says, and not again as Ready turning', () => {
    const failed = (message: string) => [
      ready('False', 'CleanupFailed', message),
      condition('IdentityConfigured', 'False', 'CleanupFailed', message),
    ];
    const before = [ready('True', 'Ready'), condition('IdentityConfigured', 'True', 'ClientReady')];
    expect(transitionEvents(before, failed('down'))).toEqual([
      { type: 'Warning', reason: 'CleanupFailed', message: 'down' },
    ]);
    expect(transitionEvents(failed('down'), failed('down'))).toEqual([]);
    expect(transitionEvents(failed('down'), failed('refused'))).toEqual([
      { type: 'Warning', reason: 'CleanupFailed', message: 'refused' },
    ]);
  });
});
