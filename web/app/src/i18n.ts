// The UI in Norwegian (bokmål) and English: chosen from the browser, switchable, kept in
// localStorage. Dates and numbers follow the chosen language's locale.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export type Lang = 'nb' | 'en';

const en = {
  appName: 'Parley',
  signIn: 'Sign in',
  signInTitle: 'Sign in to Parley',
  tokenLabel: 'Bearer token',
  tokenHelp: 'Paste the token your marketplace gave you.',
  signInAs: 'Sign in as (development only)',
  signOut: 'Sign out',
  expired: 'Your session has expired. Sign in again.',
  badToken: 'That token was not accepted.',
  language: 'Language',
  inbox: 'Inbox',
  all: 'All',
  unread: 'Unread',
  archived: 'Archived',
  role: 'Role',
  anyRole: 'Any role',
  search: 'Search',
  searchPlaceholder: 'Search conversations',
  filters: 'Filters',
  noConversations: 'No conversations',
  unreadCount: '{n} unread',
  totalUnread: '{n} unread messages',
  booking: 'Booking #{id}',
  online: 'Online',
  offlineDot: 'Offline',
  you: 'You',
  chooseConversation: 'Choose a conversation',
  back: 'Back to inbox',
  messages: 'Messages',
  loadingOlder: 'Loading older messages…',
  beginning: 'Beginning of the conversation',
  messageLabel: 'Message',
  messagePlaceholder: 'Write a message (Enter sends, Shift+Enter new line)',
  send: 'Send',
  sending: 'Sending…',
  failed: 'Not sent.',
  retry: 'Retry',
  seen: 'Seen',
  sent: 'Sent',
  delivered: 'Delivered',
  mute: 'Mute',
  unmute: 'Unmute',
  muted: 'Muted',
  pin: 'Pin',
  unpin: 'Unpin',
  pinned: 'Pinned',
  pinLimit: 'You can pin at most 5 conversations.',
  reply: 'Reply',
  replyingTo: 'Replying to {name}',
  cancelReply: 'Cancel reply',
  quoteRemoved: 'The quoted message was removed.',
  typing: '{name} is typing…',
  removed: 'This message was removed.',
  unsent: 'This message was unsent.',
  edited: 'edited',
  edit: 'Edit',
  save: 'Save',
  unsend: 'Unsend',
  confirmUnsend: 'Unsend this message for everyone?',
  deleteForMe: 'Delete for me',
  react: 'React',
  reactWith: 'React with {emoji}',
  messageActions: 'Message actions',
  deletedUser: 'Deleted user',
  offline: 'You are offline. Messages will arrive when the connection is back.',
  reconnecting: 'Reconnecting…',
  notifications: 'Notifications',
  noNotifications: 'No notifications',
  markRead: 'Mark read',
  markAllRead: 'Mark all read',
  close: 'Close',
  actions: 'Conversation actions',
  archive: 'Archive',
  unarchive: 'Unarchive',
  delete: 'Delete',
  confirmDelete: 'Delete this conversation for you? This cannot be undone.',
  block: 'Block {name}',
  blocked: '{name} is blocked.',
  report: 'Report',
  reportTitle: 'Report message',
  reason: 'Reason',
  details: 'Details',
  reported: 'Reported. Thank you.',
  cancel: 'Cancel',
  attach: 'Attach files',
  dropHere: 'Drop files to attach',
  removeFile: 'Remove {name}',
  uploading: 'Uploading {name}',
  download: 'Download {name}',
  templates: 'Templates',
  useTemplate: 'Use template',
  template: 'Template',
  sendTemplate: 'Send template',
  error: 'Something went wrong: {msg}',
  loading: 'Loading…',
  listing: 'Listing',
  kindBooking: 'Booking',
  kindListing: 'Listing',
  searchMessages: 'Search messages',
  searchMessagesPlaceholder: 'Words in your messages',
  noHits: 'No messages match “{q}”.',
  searchSimilar: 'No exact match; showing messages with similar words.',
  loadMore: 'Load more',
  settings: 'Settings',
  pushTitle: 'Notifications on this device',
  notifyDevice: 'Notify me on this device',
  pushDenied: 'The browser does not allow notifications for this site.',
  yourData: 'Your data',
  exportHelp: 'Get an archive of everything Parley holds about you: your messages and files.',
  downloadMyData: 'Download my data',
  downloadExport: 'Download ({size})',
  expires: 'available until {when}',
  exportStatus: { PENDING: 'Being prepared…', DONE: 'Ready', FAILED: 'Failed', EXPIRED: 'Expired' } as Record<string, string>,
  roles: { CAR_OWNER: 'Car owner', WORKSHOP: 'Workshop', BUYER: 'Buyer', SELLER: 'Seller' } as Record<string, string>,
  reasons: { SPAM: 'Spam', HARASSMENT: 'Harassment', FRAUD: 'Fraud', INAPPROPRIATE: 'Inappropriate', OTHER: 'Other' } as Record<string, string>,
  status: { ACTIVE: 'For sale', RESERVED: 'Reserved', SOLD: 'Sold', INACTIVE: 'Inactive' } as Record<string, string>,
};

type Dict = typeof en;

const nb: Dict = {
  appName: 'Parley',
  signIn: 'Logg inn',
  signInTitle: 'Logg inn i Parley',
  tokenLabel: 'Bearer-token',
  tokenHelp: 'Lim inn tokenet du fikk fra markedsplassen.',
  signInAs: 'Logg inn som (bare i utvikling)',
  signOut: 'Logg ut',
  expired: 'Økten din er utløpt. Logg inn på nytt.',
  badToken: 'Tokenet ble ikke godtatt.',
  language: 'Språk',
  inbox: 'Innboks',
  all: 'Alle',
  unread: 'Uleste',
  archived: 'Arkivert',
  role: 'Rolle',
  anyRole: 'Alle roller',
  search: 'Søk',
  searchPlaceholder: 'Søk i samtaler',
  filters: 'Filtre',
  noConversations: 'Ingen samtaler',
  unreadCount: '{n} uleste',
  totalUnread: '{n} uleste meldinger',
  booking: 'Bestilling #{id}',
  online: 'Pålogget',
  offlineDot: 'Ikke pålogget',
  you: 'Du',
  chooseConversation: 'Velg en samtale',
  back: 'Tilbake til innboksen',
  messages: 'Meldinger',
  loadingOlder: 'Henter eldre meldinger…',
  beginning: 'Starten på samtalen',
  messageLabel: 'Melding',
  messagePlaceholder: 'Skriv en melding (Enter sender, Shift+Enter ny linje)',
  send: 'Send',
  sending: 'Sender…',
  failed: 'Ikke sendt.',
  retry: 'Prøv igjen',
  seen: 'Sett',
  sent: 'Sendt',
  delivered: 'Levert',
  mute: 'Demp',
  unmute: 'Opphev demping',
  muted: 'Dempet',
  pin: 'Fest',
  unpin: 'Løsne',
  pinned: 'Festet',
  pinLimit: 'Du kan feste høyst 5 samtaler.',
  reply: 'Svar',
  replyingTo: 'Svarer {name}',
  cancelReply: 'Avbryt svar',
  quoteRemoved: 'Den siterte meldingen er fjernet.',
  typing: '{name} skriver…',
  removed: 'Denne meldingen er fjernet.',
  unsent: 'Denne meldingen ble trukket tilbake.',
  edited: 'redigert',
  edit: 'Rediger',
  save: 'Lagre',
  unsend: 'Trekk tilbake',
  confirmUnsend: 'Trekke tilbake denne meldingen for alle?',
  deleteForMe: 'Slett for meg',
  react: 'Reager',
  reactWith: 'Reager med {emoji}',
  messageActions: 'Handlinger for meldingen',
  deletedUser: 'Slettet bruker',
  offline: 'Du er frakoblet. Meldinger kommer når forbindelsen er tilbake.',
  reconnecting: 'Kobler til igjen…',
  notifications: 'Varsler',
  noNotifications: 'Ingen varsler',
  markRead: 'Merk som lest',
  markAllRead: 'Merk alle som lest',
  close: 'Lukk',
  actions: 'Handlinger for samtalen',
  archive: 'Arkiver',
  unarchive: 'Flytt fra arkivet',
  delete: 'Slett',
  confirmDelete: 'Slette denne samtalen for deg? Det kan ikke angres.',
  block: 'Blokker {name}',
  blocked: '{name} er blokkert.',
  report: 'Rapporter',
  reportTitle: 'Rapporter melding',
  reason: 'Årsak',
  details: 'Detaljer',
  reported: 'Rapportert. Takk.',
  cancel: 'Avbryt',
  attach: 'Legg ved filer',
  dropHere: 'Slipp filer for å legge dem ved',
  removeFile: 'Fjern {name}',
  uploading: 'Laster opp {name}',
  download: 'Last ned {name}',
  templates: 'Maler',
  useTemplate: 'Bruk mal',
  template: 'Mal',
  sendTemplate: 'Send mal',
  error: 'Noe gikk galt: {msg}',
  loading: 'Laster…',
  listing: 'Annonse',
  kindBooking: 'Bestilling',
  kindListing: 'Annonse',
  searchMessages: 'Søk i meldinger',
  searchMessagesPlaceholder: 'Ord i meldingene dine',
  noHits: 'Ingen meldinger passer til «{q}».',
  searchSimilar: 'Ingen eksakt treff; viser meldinger med lignende ord.',
  loadMore: 'Vis flere',
  settings: 'Innstillinger',
  pushTitle: 'Varsler på denne enheten',
  notifyDevice: 'Varsle meg på denne enheten',
  pushDenied: 'Nettleseren tillater ikke varsler for dette nettstedet.',
  yourData: 'Dine data',
  exportHelp: 'Få et arkiv med alt Parley har om deg: meldingene og filene dine.',
  downloadMyData: 'Last ned dataene mine',
  downloadExport: 'Last ned ({size})',
  expires: 'tilgjengelig til {when}',
  exportStatus: { PENDING: 'Klargjøres…', DONE: 'Klar', FAILED: 'Mislyktes', EXPIRED: 'Utløpt' } as Record<string, string>,
  roles: { CAR_OWNER: 'Bileier', WORKSHOP: 'Verksted', BUYER: 'Kjøper', SELLER: 'Selger' },
  reasons: { SPAM: 'Søppelpost', HARASSMENT: 'Trakassering', FRAUD: 'Svindel', INAPPROPRIATE: 'Upassende', OTHER: 'Annet' },
  status: { ACTIVE: 'Til salgs', RESERVED: 'Reservert', SOLD: 'Solgt', INACTIVE: 'Inaktiv' },
};

const dicts: Record<Lang, Dict> = { en, nb };
type Key = { [K in keyof Dict]: Dict[K] extends string ? K : never }[keyof Dict];

export function initialLang(): Lang {
  const kept = localStorage.getItem('parley.lang');
  if (kept === 'nb' || kept === 'en') return kept;
  const nordic = navigator.languages.some((l) => /^(nb|no|nn)\b/i.test(l));
  return nordic ? 'nb' : 'en';
}

export function saveLang(l: Lang) {
  localStorage.setItem('parley.lang', l);
  document.documentElement.lang = l;
}

export class I18n {
  readonly d: Dict;
  readonly locale: string;
  private readonly dateFmt: Intl.DateTimeFormat;
  private readonly timeFmt: Intl.DateTimeFormat;
  private readonly numberFmt: Intl.NumberFormat;
  constructor(readonly lang: Lang) {
    this.d = dicts[lang];
    this.locale = lang === 'nb' ? 'nb-NO' : 'en-GB';
    this.dateFmt = new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeStyle: 'short' });
    this.timeFmt = new Intl.DateTimeFormat(this.locale, { timeStyle: 'short' });
    this.numberFmt = new Intl.NumberFormat(this.locale);
  }
  t(key: Key, vars: Record<string, string | number> = {}): string {
    return (this.d[key] as string).replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
  }
  when(iso: string): string {
    const d = new Date(iso);
    const today = new Date().toDateString() === d.toDateString();
    return today ? this.timeFmt.format(d) : this.dateFmt.format(d);
  }
  num(n: number): string {
    return this.numberFmt.format(n);
  }
  money(n: number): string {
    return new Intl.NumberFormat(this.locale, { style: 'currency', currency: 'NOK', maximumFractionDigits: 0 }).format(n);
  }
  bytes(n: number): string {
    return n < 1024 * 1024 ? `${this.num(Math.ceil(n / 1024))} KB` : `${this.num(Math.round(n / 104857.6) / 10)} MB`;
  }
}

export const I18nContext = createContext<I18n>(new I18n('en'));
export const useI18n = () => useContext(I18nContext);
