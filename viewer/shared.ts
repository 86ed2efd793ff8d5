/** What the site list (inlined into index.html) and the calendar (loaded when a site opens) share. */
import type { DeployMarker } from '../src/contract/deploy-markers';
import type { Run } from '../src/contract/report-index';
import type { TrendFile } from '../src/contract/trends';

export const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
export const dayOf = (run: string) => run.slice(0, 10);
export const timeOf = (run: string) => run.slice(11).replace(/-/g, ':');

/** What the site list gives the calendar. */
export interface CalendarHost {
  /** Days runs are kept (the summary's retentionDays), or null. */
  readonly retentionDays: number | null;
  /** The site's runs, fetched once. */
  runsOf(site: string): Promise<Run[]>;
  /** The deploy markers of the site (DeployMarkers), fetched once for every site; none when there are none or they cannot be read. */
  markersOf(site: string): Promise<DeployMarker[]>;
  /** The site's trend file (ReportTree writes it from each run), or undefined when it has none yet. */
  trendOf(site: string): Promise<TrendFile | undefined>;
  /** The calendar shows this site and day: the URL follows. */
  shown(site: string, day: string | undefined): void;
}

export interface Calendar {
  showSite(host: CalendarHost, site: string, day?: string): Promise<void>;
}

/** The calendar's module puts itself here when its script has loaded. */
export const CALENDAR_GLOBAL = 'cdkSitespeedCalendar';
