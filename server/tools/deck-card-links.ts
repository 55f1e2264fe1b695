import { z } from 'zod';
import { type CardLinkChange, DeckApi, type DeckFeature } from '../nextcloud/deck.js';
import { defineTool } from '../registry.js';
import { type CardWhere, cardId, cardShape, cardView, cardWhere, labelId } from './deck-views.js';

/** What links a Deck card to other things: labels, assigned users and cards it depends on. */

const userId = z.string().min(1).max(64).describe('The Nextcloud user id');

/** One tool per link operation: the change, then the card as it is afterwards. */
function link<I extends z.ZodRawShape>(def: {
  name: Parameters<typeof defineTool>[0]['name'];
  title: string;
  description: string;
  input: I;
  change(args: CardWhere & z.output<z.ZodObject<I>>): CardLinkChange;
  /** What Deck must have for this change, and how to name it when it lacks it. */
  needs?: { feature: DeckFeature; what: string };
}) {
  return defineTool({
    name: def.name,
    title: def.title,
    description: def.description,
    input: { ...cardWhere, ...def.input },
    output: cardShape,
    hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    async handler(args, { nc }) {
      const deck = new DeckApi(nc);
      const typed = args as CardWhere & z.output<z.ZodObject<I>>;
      if (def.needs) await deck.require(def.needs.feature, def.needs.what);
      // Deck changes the card by its id alone: it must be where the caller says.
      await deck.card(typed.board_id, typed.stack_id, typed.card_id);
      await deck.changeCardLink(typed.board_id, typed.stack_id, typed.card_id, def.change(typed));
      return { structured: cardView(await deck.card(typed.board_id, typed.stack_id, typed.card_id)) };
    },
  });
}

export const deckCardLinkTools = [
  link({
    name: 'deck_assign_label_to_card',
    title: 'Put a label on a card',
    description: "Put one of the board's labels on a card (deck_get_labels lists them).",
    input: { label_id: labelId },
    change: (a) => ({ labelId: a.label_id, remove: false }),
  }),
  link({
    name: 'deck_remove_label_from_card',
    title: 'Take a label off a card',
    description: 'Take a label off a Deck card; the label stays on the board.',
    input: { label_id: labelId },
    change: (a) => ({ labelId: a.label_id, remove: true }),
  }),
  link({
    name: 'deck_assign_user_to_card',
    title: 'Assign a user to a card',
    description: 'Assign a member of the board to a Deck card.',
    input: { user_id: userId },
    change: (a) => ({ userId: a.user_id, remove: false }),
  }),
  link({
    name: 'deck_unassign_user_from_card',
    title: 'Unassign a user from a card',
    description: "Remove a user's assignment from a Deck card.",
    input: { user_id: userId },
    change: (a) => ({ userId: a.user_id, remove: true }),
  }),
  link({
    name: 'deck_assign_dependent_card',
    title: 'Make a card depend on another',
    description:
      'Record that this card depends on another card you can see (Deck\'s "dependent card"; Deck 1.18 or later).',
    input: { dependent_card_id: cardId.describe('The card this one depends on') },
    change: (a) => ({ dependentCard: a.dependent_card_id, remove: false }),
    needs: { feature: 'dependencies', what: 'Card dependencies' },
  }),
  link({
    name: 'deck_remove_dependent_card',
    title: 'Remove a card dependency',
    description: 'Remove the dependency of this card on another card (Deck 1.18 or later).',
    input: { dependent_card_id: cardId.describe('The card this one no longer depends on') },
    change: (a) => ({ dependentCard: a.dependent_card_id, remove: true }),
    needs: { feature: 'dependencies', what: 'Card dependencies' },
  }),
];
