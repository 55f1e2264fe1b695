import { z } from 'zod';
import type { NextcloudClient } from './client.js';
import { CommentSchema, type DeckComment, Ignored } from './deck-answers.js';

export type { DeckComment };

/** Deck's comments API: OCS (so it takes bearer tokens on every Nextcloud), apart from its REST API. */
const COMMENTS = '/ocs/v2.php/apps/deck/api/v1.0/cards';

export class DeckComments {
  constructor(private readonly nc: NextcloudClient) {}

  list(cardId: number, limit: number, offset: number): Promise<DeckComment[]> {
    return this.nc.ocs({
      method: 'GET',
      path: `${COMMENTS}/${cardId}/comments`,
      query: { limit, offset },
      what: `The comments of card ${cardId}`,
      schema: z.array(CommentSchema),
    });
  }

  /** Posts a comment (no id) or changes one. */
  write(method: 'POST' | 'PUT', cardId: number, commentId: number | undefined, json: unknown) {
    return this.nc.ocs({
      method,
      path: `${COMMENTS}/${cardId}/comments${commentId === undefined ? '' : `/${commentId}`}`,
      json,
      what:
        commentId === undefined ? `A comment on card ${cardId}` : `Comment ${commentId} on card ${cardId}`,
      schema: CommentSchema,
    });
  }

  async delete(cardId: number, commentId: number): Promise<void> {
    await this.nc.ocs({
      method: 'DELETE',
      path: `${COMMENTS}/${cardId}/comments/${commentId}`,
      what: `Comment ${commentId} on card ${cardId}`,
      schema: Ignored,
    });
  }
}
