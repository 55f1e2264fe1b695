import type { AnyTool } from '../registry.js';
import { calendarTools } from './calendar.js';
import { calendarPlanningTools } from './calendar-planning.js';
import { collectivesTools } from './collectives.js';
import { collectivesPageTools } from './collectives-pages.js';
import { contactTools } from './contacts.js';
import { cookbookTools } from './cookbook.js';
import { deckAttachmentTools } from './deck-attachments.js';
import { deckBoardTools } from './deck-boards.js';
import { deckCardLinkTools } from './deck-card-links.js';
import { deckCardTools } from './deck-cards.js';
import { deckCommentTools } from './deck-comments.js';
import { deckStackTools } from './deck-stacks.js';
import { mailTools } from './mail.js';
import { mailSendTools } from './mail-send.js';
import { mailWriteTools } from './mail-write.js';
import { newsItemTools } from './news.js';
import { newsFeedTools } from './news-feeds.js';
import { notesTools } from './notes.js';
import { sharingTools } from './sharing.js';
import { tablesTools } from './tables.js';
import { talkTools } from './talk.js';
import { talkChatTools } from './talk-chat.js';
import { taskTools } from './tasks.js';
import { trashbinTools } from './trashbin.js';
import { unifiedSearchTools } from './unified-search.js';
import { versionTools } from './versions.js';
import { webdavTools } from './webdav.js';
import { webdavMetaTools } from './webdav-meta.js';

/** Every tool the server implements; the catalogue in `contract/` names the same set. */
export const ALL_TOOLS: readonly AnyTool[] = [
  ...notesTools,
  ...webdavTools,
  ...webdavMetaTools,
  ...trashbinTools,
  ...versionTools,
  ...sharingTools,
  ...calendarTools,
  ...calendarPlanningTools,
  ...taskTools,
  ...contactTools,
  ...tablesTools,
  ...cookbookTools,
  ...deckBoardTools,
  ...deckStackTools,
  ...deckCardTools,
  ...deckCardLinkTools,
  ...deckCommentTools,
  ...deckAttachmentTools,
  ...talkTools,
  ...talkChatTools,
  ...mailTools,
  ...mailWriteTools,
  ...mailSendTools,
  ...newsFeedTools,
  ...newsItemTools,
  ...collectivesTools,
  ...collectivesPageTools,
  ...unifiedSearchTools,
];
