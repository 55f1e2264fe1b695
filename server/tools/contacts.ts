import { randomUUID } from 'node:crypto';
import type { DAVVCard } from 'tsdav';
import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import { type AddressBookRef, CardDav } from '../nextcloud/carddav.js';
import { noCollections, readEach } from '../nextcloud/dav-discovery.js';
import {
  applyContactChanges,
  type ContactView,
  contactView,
  newContact,
  parseVCard,
} from '../nextcloud/vcard.js';
import { defineTool, type ToolContext } from '../registry.js';

const addressbook = z
  .string()
  .min(1)
  .max(255)
  .describe('The address book\'s name (the last part of its URL, e.g. "contacts"), not its display name');
const uid = z.string().min(1).max(500).describe("The contact's UID");
const many = z.union([z.string().max(500), z.array(z.string().max(500)).max(50)]);
const contactData = z
  .strictObject({
    fn: z.string().min(1).max(500).optional().describe('Full name'),
    email: many.optional().describe('One address or a list'),
    tel: many.optional().describe('One number or a list'),
    nickname: z.string().max(500).optional(),
    birthday: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional()
      .describe('YYYY-MM-DD'),
    org: z.string().max(500).optional(),
    title: z.string().max(500).optional(),
    note: z.string().max(10_000).optional(),
  })
  .describe('The contact\'s details, e.g. {"fn": "Jane Doe", "email": "jane@example.com"}');

const fieldShape = { value: z.string(), label: z.string().nullable(), preferred: z.boolean() };
const contactShape = {
  uid: z.string(),
  fn: z.string(),
  emails: z.array(z.object(fieldShape)),
  phones: z.array(z.object(fieldShape)),
  nickname: z.string().nullable(),
  birthday: z.string().nullable(),
  org: z.string().nullable(),
  title: z.string().nullable(),
  note: z.string().nullable(),
  addressbook: z.string(),
  etag: z
    .string()
    .nullable()
    .describe('Pass it to nc_contacts_update_contact to guard against concurrent changes'),
};
type Listed = ContactView & { addressbook: string; etag: string | null };
const contactList = {
  contacts: z.array(z.object(contactShape)),
  total_count: z.number(),
  skipped_invalid: z.number(),
};

const dav = (ctx: ToolContext) => new CardDav(ctx.nc);

/** Every contact of some address books, read in parallel; cards that are not valid vCard are skipped and counted. */
async function listContacts(ctx: ToolContext, books: readonly AddressBookRef[]) {
  const service = dav(ctx);
  const { items: contacts, skipped } = await readEach(
    books,
    (book) => service.cards(book),
    (card, book) => [
      {
        ...contactView(parseVCard(String(card.data ?? ''))),
        addressbook: book.name,
        etag: card.etag ?? null,
        card,
      },
    ],
    ctx.log,
    'skipped a contact that is not valid vCard',
  );
  return { contacts, skipped };
}

const strip = ({ card: _card, ...contact }: Listed & { card: DAVVCard }): Listed => contact;

async function findContact(ctx: ToolContext, book: AddressBookRef, id: string) {
  const found = (await listContacts(ctx, [book])).contacts.find((contact) => contact.uid === id);
  if (!found) throw new NotFoundError(`Contact ${id} not found in address book ${book.name}`);
  return found;
}

const listBooks = defineTool({
  name: 'nc_contacts_list_addressbooks',
  title: 'List address books',
  description: 'Your address books: name (used by the other contact tools) and display name.',
  input: {},
  output: {
    addressbooks: z.array(
      z.object({ uri: z.string(), displayname: z.string(), ctag: z.string().nullable() }),
    ),
    total_count: z.number(),
  },
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(_args, ctx) {
    const books = await dav(ctx).addressBooks();
    return {
      structured: {
        addressbooks: books.map((b) => ({ uri: b.name, displayname: b.displayName, ctag: b.ctag })),
        total_count: books.length,
      },
    };
  },
});

const list = defineTool({
  name: 'nc_contacts_list_contacts',
  title: 'List contacts',
  description: 'Every contact of one address book, with e-mail addresses, phone numbers and etags.',
  input: { addressbook },
  output: contactList,
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    const { contacts, skipped } = await listContacts(ctx, [await dav(ctx).addressBook(args.addressbook)]);
    return {
      structured: { contacts: contacts.map(strip), total_count: contacts.length, skipped_invalid: skipped },
    };
  },
});

const search = defineTool({
  name: 'nc_contacts_search_contacts',
  title: 'Search contacts',
  description:
    'Contacts whose name, nickname, e-mail, phone or organisation contains the query, in one or all address books.',
  input: {
    query: z.string().trim().min(1).max(500),
    addressbook: addressbook.optional(),
    limit: z.number().int().min(1).max(500).default(50),
  },
  output: contactList,
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    const books = args.addressbook
      ? [await dav(ctx).addressBook(args.addressbook)]
      : await dav(ctx).addressBooks();
    if (books.length === 0) throw noCollections('address books');
    const { contacts, skipped } = await listContacts(ctx, books);
    const query = args.query.toLowerCase();
    const digits = query.replace(/\D/g, '');
    const matching = contacts.filter(
      (c) =>
        [c.fn, c.nickname ?? '', c.org ?? '', ...c.emails.map((e) => e.value)].some((text) =>
          text.toLowerCase().includes(query),
        ) ||
        (digits.length >= 3 && c.phones.some((p) => p.value.replace(/\D/g, '').includes(digits))),
    );
    return {
      structured: {
        contacts: matching.slice(0, args.limit).map(strip),
        total_count: matching.length,
        skipped_invalid: skipped,
      },
    };
  },
});

const createBook = defineTool({
  name: 'nc_contacts_create_addressbook',
  title: 'Create an address book',
  description: 'Create an address book with a URL name and a display name.',
  input: {
    name: z.string().regex(/^[\w.-]{1,100}$/, 'letters, digits, "_", "-" and "." only'),
    display_name: z.string().min(1).max(255),
  },
  output: { name: z.string(), display_name: z.string(), created: z.boolean() },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, ctx) {
    await dav(ctx).create(args.name, args.display_name);
    return { structured: { name: args.name, display_name: args.display_name, created: true } };
  },
});

const deleteBook = defineTool({
  name: 'nc_contacts_delete_addressbook',
  title: 'Delete an address book',
  description: 'Delete an address book with all its contacts; it cannot be restored afterwards.',
  input: { name: addressbook },
  output: { name: z.string(), deleted: z.boolean() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async confirm(args, ctx) {
    const service = dav(ctx);
    const book = await service.addressBook(args.name);
    const count = (await service.cards(book)).length;
    const contacts = count === 1 ? '1 contact' : `${count} contacts`;
    const named =
      book.displayName && book.displayName !== book.name
        ? `"${book.displayName}" (${book.name})`
        : `"${book.name}"`;
    return {
      message: `Delete the address book ${named} with its ${contacts}? It cannot be restored.`,
      // Its ctag changes with any change to its cards, so a book changed meanwhile is asked again.
      affected: [book.url, book.ctag ?? '', String(count)],
      declined: { name: args.name, deleted: false },
    };
  },
  async handler(args, ctx) {
    const service = dav(ctx);
    await service.remove(await service.addressBook(args.name));
    return { structured: { name: args.name, deleted: true } };
  },
});

const create = defineTool({
  name: 'nc_contacts_create_contact',
  title: 'Create a contact',
  description:
    'Create a contact (vCard) with a name, e-mail addresses, phone numbers and more; uid is generated when not given.',
  input: { addressbook, uid: uid.optional(), contact_data: contactData },
  output: contactShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, ctx) {
    const book = await dav(ctx).addressBook(args.addressbook);
    const id = args.uid ?? randomUUID();
    await dav(ctx).createCard(book, id, newContact(id, args.contact_data));
    return { structured: strip(await findContact(ctx, book, id)) };
  },
});

const update = defineTool({
  name: 'nc_contacts_update_contact',
  title: 'Update a contact',
  description:
    'Change some details of a contact; everything else in its vCard (photos, addresses, …) stays. Pass the etag you read to refuse the change if someone else changed the contact meanwhile.',
  input: { addressbook, uid, contact_data: contactData, etag: z.string().min(1).max(200).optional() },
  output: contactShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    const book = await dav(ctx).addressBook(args.addressbook);
    const found = await findContact(ctx, book, args.uid);
    const vcard = parseVCard(String(found.card.data));
    applyContactChanges(vcard, args.contact_data);
    const etag = args.etag ? (args.etag.startsWith('"') ? args.etag : `"${args.etag}"`) : found.card.etag;
    await dav(ctx).updateCard(
      { ...found.card, ...(etag ? { etag } : {}) },
      vcard.toString(),
      `Contact ${args.uid}`,
    );
    return { structured: strip(await findContact(ctx, book, args.uid)) };
  },
});

const remove = defineTool({
  name: 'nc_contacts_delete_contact',
  title: 'Delete a contact',
  description: 'Delete a contact from an address book; it cannot be restored afterwards.',
  input: { addressbook, uid },
  output: { uid: z.string(), deleted: z.boolean() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, ctx) {
    const book = await dav(ctx).addressBook(args.addressbook);
    const found = await findContact(ctx, book, args.uid);
    await dav(ctx).deleteCard(found.card, `Contact ${args.uid}`);
    return { structured: { uid: args.uid, deleted: true } };
  },
});

export const contactTools = [listBooks, list, search, createBook, deleteBook, create, update, remove];
