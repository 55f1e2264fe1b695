import ICAL from 'ical.js';

type Component = InstanceType<typeof ICAL.Component>;
type Property = InstanceType<typeof ICAL.Property>;

/** An e-mail address or phone number with its labels (`home`, `work`, …). */
export interface ContactField {
  readonly value: string;
  readonly label: string | null;
  readonly preferred: boolean;
}

/** A contact as tools show it: never raw vCard. */
export interface ContactView {
  readonly uid: string;
  readonly fn: string;
  readonly emails: ContactField[];
  readonly phones: ContactField[];
  readonly nickname: string | null;
  readonly birthday: string | null;
  readonly org: string | null;
  readonly title: string | null;
  readonly note: string | null;
}

/** What a tool may set on a contact, as the Python server's `contact_data`; absent fields stay. */
export interface ContactChanges {
  readonly fn?: string;
  readonly email?: string | readonly string[];
  readonly tel?: string | readonly string[];
  readonly nickname?: string;
  readonly birthday?: string;
  readonly org?: string;
  readonly title?: string;
  readonly note?: string;
}

/** Parses a vCard (3.0 or 4.0); throws on malformed data (callers skip such cards). */
export function parseVCard(data: string): Component {
  const parsed = ICAL.parse(data) as unknown;
  const first = Array.isArray(parsed) && Array.isArray(parsed[0]) ? parsed[0] : parsed;
  return new ICAL.Component(first as []);
}

function field(property: Property): ContactField {
  const types = ([] as unknown[])
    .concat(property.getParameter('type') ?? [])
    .flatMap((type) => String(type).split(','))
    .map((type) => type.toLowerCase());
  const preferred = types.includes('pref') || property.getParameter('pref') !== undefined;
  const labels = types.filter((type) => !['pref', 'internet', 'voice'].includes(type));
  return {
    value: String(property.getFirstValue()).replace(/^(mailto|tel):/i, ''),
    label: labels.length ? labels.join(', ') : null,
    preferred,
  };
}

function text(vcard: Component, name: string): string | null {
  const value = vcard.getFirstPropertyValue(name);
  if (value === null || value === undefined) return null;
  const joined = Array.isArray(value) ? value.filter(Boolean).join(', ') : String(value);
  return joined || null;
}

export function contactView(vcard: Component): ContactView {
  const birthday = vcard.getFirstPropertyValue('bday');
  return {
    uid: text(vcard, 'uid') ?? '',
    fn: text(vcard, 'fn') ?? '',
    emails: vcard.getAllProperties('email').map(field),
    phones: vcard.getAllProperties('tel').map(field),
    nickname: text(vcard, 'nickname'),
    birthday:
      birthday instanceof ICAL.Time || birthday instanceof ICAL.VCardTime
        ? birthday.toString().slice(0, 10)
        : text(vcard, 'bday'),
    org: text(vcard, 'org'),
    title: text(vcard, 'title'),
    note: text(vcard, 'note'),
  };
}

const list = (value: string | readonly string[] | undefined) =>
  value === undefined
    ? undefined
    : (typeof value === 'string' ? [value] : [...value]).map((v) => v.trim()).filter(Boolean);

function replaceText(vcard: Component, name: string, value: string | undefined): void {
  if (value === undefined) return;
  vcard.removeAllProperties(name);
  if (value !== '') vcard.addPropertyWithValue(name, value);
}

/** Applies changes to a vCard; properties the tool does not know (photos, addresses, …) are kept. */
export function applyContactChanges(vcard: Component, changes: ContactChanges): void {
  if (changes.fn !== undefined) {
    replaceText(vcard, 'fn', changes.fn);
    // vCard 3.0 requires N: family name last word, given names the rest.
    const words = changes.fn.trim().split(/\s+/);
    vcard.removeAllProperties('n');
    const n = new ICAL.Property('n', vcard);
    n.setValue([
      words.length > 1 ? (words.at(-1) ?? '') : changes.fn,
      words.length > 1 ? words.slice(0, -1).join(' ') : '',
      '',
      '',
      '',
    ]);
    vcard.addProperty(n);
  }
  for (const [name, values] of [
    ['email', list(changes.email)],
    ['tel', list(changes.tel)],
  ] as const) {
    if (values === undefined) continue;
    vcard.removeAllProperties(name);
    for (const value of values) {
      const property = new ICAL.Property(name, vcard);
      property.setValue(value);
      if (name === 'email') property.setParameter('type', 'INTERNET');
      vcard.addProperty(property);
    }
  }
  replaceText(vcard, 'nickname', changes.nickname);
  replaceText(vcard, 'title', changes.title);
  replaceText(vcard, 'note', changes.note);
  if (changes.org !== undefined) {
    vcard.removeAllProperties('org');
    if (changes.org) {
      const org = new ICAL.Property('org', vcard);
      org.setValue([changes.org]);
      vcard.addProperty(org);
    }
  }
  if (changes.birthday !== undefined) {
    vcard.removeAllProperties('bday');
    if (changes.birthday) {
      const bday = new ICAL.Property('bday', vcard);
      bday.resetType('date');
      bday.setValue(ICAL.VCardTime.fromDateAndOrTimeString(changes.birthday, 'date'));
      vcard.addProperty(bday);
    }
  }
  vcard.updatePropertyWithValue(
    'rev',
    ICAL.VCardTime.fromDateAndOrTimeString(new Date().toISOString().replace(/\.\d{3}/, ''), 'date-time'),
  );
}

/** A new vCard 3.0 (what Nextcloud's Contacts app writes). */
export function newContact(uid: string, changes: ContactChanges): string {
  const vcard = new ICAL.Component('vcard');
  vcard.addPropertyWithValue('version', '3.0');
  vcard.addPropertyWithValue('uid', uid);
  vcard.addPropertyWithValue('prodid', '-//nextcloud-mcp//EN');
  applyContactChanges(vcard, changes);
  return vcard.toString();
}
