/** The browser a site is tested in. */
export enum Browser {
  CHROME = 'chrome',
  FIREFOX = 'firefox',
  EDGE = 'edge',
}
