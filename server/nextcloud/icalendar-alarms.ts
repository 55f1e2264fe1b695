import ICAL from 'ical.js';
import { z } from 'zod';

type Component = InstanceType<typeof ICAL.Component>;

/**
 * One VALARM as tools take it (the Python server's Reminder model): exactly one trigger, an
 * absolute time, an RFC 5545 duration or minutes before; RELATED only on a relative trigger.
 */
export const reminderSchema = z
  .strictObject({
    action: z
      .enum(['DISPLAY', 'EMAIL', 'AUDIO'])
      .default('DISPLAY')
      .describe('The alarm types Nextcloud schedules'),
    minutes_before: z.number().int().min(0).max(527_040).optional(),
    trigger_at: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/)
      .optional()
      .describe('Absolute ISO 8601 time to fire at (UTC when it has no offset)'),
    trigger: z
      .string()
      .regex(/^[+-]?P(\d+W|(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?)$/)
      .optional()
      .describe('RFC 5545 duration, e.g. "-PT30M" or "-P1D"'),
    description: z.string().max(10_000).optional().describe('Alarm text (and e-mail body)'),
    summary: z.string().max(1000).optional().describe('E-mail subject; default the title'),
    related: z.enum(['START', 'END']).optional().describe('Count a relative trigger from the start or end'),
  })
  .refine(
    (r) => [r.minutes_before, r.trigger_at, r.trigger].filter((t) => t !== undefined).length === 1,
    'a reminder needs exactly one of trigger_at, trigger or minutes_before',
  )
  .refine((r) => !(r.related && r.trigger_at), 'related applies to a relative trigger, not to trigger_at');
export type Reminder = z.output<typeof reminderSchema>;

/** How a component's alarms change: a whole list, or the minutes/e-mail shorthand. */
export interface AlarmChanges {
  readonly reminders?: readonly Reminder[];
  readonly reminder_minutes?: number;
  readonly reminder_email?: boolean;
}

/**
 * Rewrites the VALARMs of `component` (a VEVENT or VTODO titled `title`). A `reminders` list
 * replaces them all. Otherwise the shorthand rebuilds one DISPLAY alarm (and an EMAIL one with
 * `reminder_email`) at `reminder_minutes` before; whichever of the two is left out is read from
 * the stored alarms, so changing one keeps the other. Neither given: the alarms stay.
 */
export function applyAlarms(component: Component, changes: AlarmChanges, title: string): void {
  const fallback = component.name === 'vtodo' ? 'Todo reminder' : 'Event reminder';
  const stored = component.getAllSubcomponents('valarm');
  if (changes.reminders) {
    for (const alarm of stored) component.removeSubcomponent(alarm);
    for (const reminder of changes.reminders) component.addSubcomponent(valarm(reminder, title, fallback));
    return;
  }
  if (changes.reminder_minutes === undefined && changes.reminder_email === undefined) return;
  const minutes = changes.reminder_minutes ?? storedMinutes(stored);
  const email =
    changes.reminder_email ?? stored.some((alarm) => alarm.getFirstPropertyValue('action') === 'EMAIL');
  for (const alarm of stored) component.removeSubcomponent(alarm);
  if (minutes <= 0) return;
  for (const action of email ? (['DISPLAY', 'EMAIL'] as const) : (['DISPLAY'] as const))
    component.addSubcomponent(valarm({ action, minutes_before: minutes }, title, fallback));
}

/** The minutes before of the first stored alarm with a relative trigger; 0 when none has one. */
function storedMinutes(alarms: Component[]): number {
  for (const alarm of alarms) {
    const trigger = alarm.getFirstPropertyValue('trigger');
    if (trigger instanceof ICAL.Duration && trigger.isNegative) return Math.round(trigger.toSeconds() / -60);
  }
  return 0;
}

function valarm(reminder: Reminder, title: string, fallback: string): Component {
  const alarm = new ICAL.Component('valarm');
  alarm.addPropertyWithValue('action', reminder.action);
  // RFC 5545: DESCRIPTION on DISPLAY and EMAIL alarms, SUMMARY (the subject) on EMAIL ones.
  if (reminder.action !== 'AUDIO')
    alarm.addPropertyWithValue('description', reminder.description || fallback);
  if (reminder.action === 'EMAIL') alarm.addPropertyWithValue('summary', reminder.summary || title);
  if (reminder.trigger_at !== undefined) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(reminder.trigger_at)
      ? reminder.trigger_at
      : `${reminder.trigger_at}Z`;
    const trigger = alarm.addPropertyWithValue('trigger', ICAL.Time.fromJSDate(new Date(zoned), true));
    trigger.setParameter('value', 'DATE-TIME');
    return alarm;
  }
  const duration =
    reminder.trigger !== undefined
      ? ICAL.Duration.fromString(reminder.trigger)
      : ICAL.Duration.fromSeconds(-60 * (reminder.minutes_before ?? 0));
  const trigger = alarm.addPropertyWithValue('trigger', duration);
  if (reminder.related) trigger.setParameter('related', reminder.related);
  return alarm;
}
