import type { AnyTool } from '../registry.js';
import { calendarTools } from './calendar.js';
import { calendarPlanningTools } from './calendar-planning.js';
import { collectivesTools } from './collectives.js';
import { collectivesPageTools } from './collectives-pages.js';
import { contactTools } from './contacts.js';
import { cookbookTools } from './cookbook.js';
import { notesTools } from './notes.js';
import { sharingTools } from './sharing.js';
import { tablesTools } from './tables.js';
import { taskTools } from './tasks.js';
import { webdavTools } from './webdav.js';

/** Every tool the server implements; the catalogue in `contract/` names the same set. */
export const ALL_TOOLS: readonly AnyTool[] = [
  ...notesTools,
  ...webdavTools,
  ...sharingTools,
  ...calendarTools,
  ...calendarPlanningTools,
  ...taskTools,
  ...contactTools,
  ...tablesTools,
  ...cookbookTools,
  ...collectivesTools,
  ...collectivesPageTools,
];
