// The development console (src/console) driven in a real browser — Debian's chromium, headless, through
// puppeteer-core — against the whole stack: the page's own buttons make the week happen, and what it shows is
// waited for (the brake arrives over the live stream), never slept for. Screenshots land in test-output/console/
// (git-ignored): the first thing to look at when this fails.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { create } from '@bufbuild/protobuf';
import { createKafka, topics } from '@omtobe/events';
import { PromptTransitionKind, PromptTransitionSchema } from '@omtobe/proto/state-engine/v1';
import { startTestStack, type RunningTestStack } from '@omtobe/dev-stack';
import { eventually, publishTestEvent, testKafkaBrokers } from '@omtobe/testing';
import { AppClient } from './support/app-client.ts';
import { SseClient } from './support/sse-client.ts';
import { afternoonZone } from './support/zones.ts';

/** The page's `document`, as the functions evaluated in it below use it (the gateway's tsconfig has no DOM library). */
declare const document: {
  querySelector(selector: string): { textContent: string | null; disabled?: boolean } | null;
  querySelectorAll(selector: string): { length: number };
};

const shots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-output/console');
const wait = { timeout: 30_000 };


/**
 * A new gateway's stream consumer joins its group in the background and starts at the latest offset: transitions
 * published before it joined never reach a stream. Before the page acts, a sentinel's stream is fed one
 * transition (a reading request, which changes nothing) on prompts.v1 until it is heard.
 */
async function untilStreamsHear(stack: RunningTestStack, topicPrefix: string): Promise<void> {
  const userId = `sentinel-${randomUUID().slice(0, 8)}`;
  const sentinel = new AppClient(stack.gatewayUrl);
  await sentinel.login(userId);
  await sentinel.ok('POST', '/api/v1/users', { email: 'sentinel@example.com', timezone: 'UTC' });
  // The stream opens once the state engine knows the user (GET /state answers).
  await eventually(() => sentinel.send('GET', '/api/v1/state'), (reply) => reply.status === 200, 30_000);
  const stream = new SseClient(`${stack.gatewayUrl}/api/v1/state/stream`, sentinel.accessToken);
  const producer = createKafka({ brokers: testKafkaBrokers(), clientId: 'console-test', logger: pino({ level: 'silent' }) }).producer();
  await producer.connect();
  try {
    await stream.started();
    // Sequence 0: a publisher that does not number its transitions, never skipped as already seen.
    const message = create(PromptTransitionSchema, { userId, transitionId: randomUUID(), kind: PromptTransitionKind.READING_REQUESTED, cycleDay: 1 });
    // Published again each second it is not heard (the copies never arrive: the consumer starts after them).
    const deadline = Date.now() + 30_000;
    for (;;) {
      await publishTestEvent(producer, { topic: topicPrefix + topics.prompts.name, key: userId, schema: PromptTransitionSchema, message });
      try {
        await eventually(() => stream.transitions().length, (n) => n > 0, 1_000);
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
  } finally {
    stream.close();
    await producer.disconnect();
  }
}

describe('the development console, in a browser', () => {
  let stack: RunningTestStack;
  let browser: Browser;
  let page: Page;
  const tz = afternoonZone(new Date());

  beforeAll(async () => {
    // Mock providers quiet but for a new person's backfilled week (the baseline): no synthetic meetings, and no
    // stream reading landing between the test's steps (one every 3 hours at most; the backfill ends an interval
    // before now, so a much longer interval would leave no baseline).
    const topicPrefix = `t${randomUUID().slice(0, 8)}.`;
    [stack, browser] = await Promise.all([
      startTestStack({ KAFKA_TOPIC_PREFIX: topicPrefix, MOCK_HRV_INTERVAL_MINUTES: '180', MOCK_CALENDAR_DAYS: '0' }),
      // headless: true is Chromium's new headless mode (--headless=new); no sandbox as root.
      puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] }),
    ]);
    // The gateway's stream consumer joins its group a few seconds after start and begins at the latest offset:
    // the page is opened only once it is hearing transitions, so none of the test's is published before that.
    await untilStreamsHear(stack, topicPrefix);
    await mkdir(shots, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  const text = (selector: string) => page.$eval(selector, (e) => e.textContent ?? '');
  const visible = (selector: string) => page.waitForSelector(`${selector}:not([hidden])`, { visible: true, ...wait });
  const textIn = (selector: string, part: string) =>
    page.waitForFunction((s, p) => document.querySelector(s)?.textContent?.includes(p), wait, selector, part);
  /** Presses a simulator button and waits until the page has its answer (the buttons come back). */
  async function simulate(selector: string) {
    await page.click(selector);
    await page.waitForFunction((s) => !document.querySelector(s)?.disabled && document.querySelector('#sim-status')?.textContent !== '…', wait, selector);
    expect(await text('#sim-status')).not.toMatch(/⚠/);
  }

  /**
   * Presses an answer button once the page takes answers again (the previous answer may still be settling: the page
   * reads the history until the decision log lists it), and waits for this one's answer.
   */
  async function answer(selector: string) {
    await page.waitForSelector(`${selector}:not([disabled])`, wait);
    await page.click(selector);
    await page.waitForFunction((s) => !document.querySelector(s)?.disabled && document.querySelector('#answer-status')?.textContent !== '…', wait, selector);
    expect(await text('#answer-status')).not.toMatch(/⚠/);
  }

  it(`plays the demo in ${tz}: brake from the stream, Delay, cooling, the brake again, Proceed, history, Day 7's reflection`, async () => {
    page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    // A 503 is the page retrying registration_in_progress right after POST /users, as the app does.
    page.on('console', (m) => m.type() === 'error' && !m.text().includes('status of 503') && errors.push(m.text()));
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`${stack.gatewayUrl}/console`);
    const userId = `ada-${randomUUID().slice(0, 8)}`;

    try {
      // A new person in a time zone, with a simulated iPhone.
      await page.type('#user-id', userId);
      await page.type('#user-email', 'ada@example.com');
      await page.select('#user-tz', tz);
      await page.click('#create-user');
      await page.waitForSelector('#dashboard:not([hidden])', wait);
      await textIn('#user-status', 'Opened');
      await textIn('#cycle-summary', 'Day 1 of 7');
      await page.waitForSelector('#stream-status[data-state="on"]', wait);
      expect(await text('#dev-now')).toContain(tz);

      // Day 4, a Board Meeting, HRV down 30%: the brake comes over the live stream.
      await page.select('#jump-day', '4');
      await simulate('#jump');
      await textIn('#cycle-summary', 'Day 4 of 7');
      await simulate('[data-event="Board Meeting"]');
      await page.waitForSelector('.track .meeting.running', wait);
      await textIn('#meetings li.running', 'Board Meeting');
      await simulate('[data-hrv="30"]');
      await visible('#brake-screen');
      await textIn('#feed', 'brake_raised');
      await textIn('#brake-event', 'Board Meeting');
      await page.waitForSelector('#pushes li[data-kind="brake"]', wait); // the delivery log (the export), not the stream
      await textIn('#hrv-summary', '0.8 × mean');
      await page.waitForSelector('#hrv-summary[data-freshness="fresh"]', wait);
      await shot('1-brake');

      // Delay: the brake goes, cooling counts down.
      await answer('#decide-delay');
      await page.waitForSelector('#brake-screen[hidden]', wait);
      await visible('#cooling-countdown');
      await textIn('#cooling-countdown', 'left');
      await textIn('#brake-status', 'cooling until');
      await shot('2-cooling');

      // 20 minutes later the question is back; Proceed, and the history lists both answers, newest first.
      await simulate('[data-advance="20"]');
      await visible('#brake-screen');
      await page.waitForFunction(() => document.querySelectorAll('#feed li[data-kind="brake_raised"]').length === 2, wait);
      await page.waitForSelector('#cooling-countdown[hidden]', wait);
      await answer('#decide-proceed');
      await page.waitForSelector('#brake-screen[hidden]', wait);
      await page.waitForFunction(() => document.querySelectorAll('#history tr[data-kind="decision"]').length === 2, wait);
      expect(await page.$$eval('#history tr[data-kind="decision"] td:nth-child(2)', (cells) => cells.map((c) => c.textContent))).toEqual(['Proceed', 'Delay']);
      await textIn('#locks', 'Board Meeting');
      await textIn('#answer-status', 'Proceed recorded');
      await shot('3-history');

      // Day 7, after 09:00 in the person's zone: the reflection screen.
      await page.select('#jump-day', '7');
      await simulate('#jump');
      await visible('#reflection-screen');
      await textIn('#feed', 'reflection_opened');
      await textIn('#brake-status', 'Reflection shown');
      await shot('4-reflection');

      // A phone-sized window (puppeteer reloads the page for it): the person picked again, the reflection still open.
      await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
      await page.waitForSelector('#user-id', wait);
      await page.type('#user-id', userId);
      await page.click('#open-user');
      await textIn('#user-status', 'Opened');
      await visible('#reflection-screen');
      await textIn('#cycle-summary', 'Day 7 of 7');
      await shot('5-phone');

      // The rest of the simulator answers without an error; reset to Day 1 ends the reflection screen.
      for (const control of ['[data-hrv="1"]', '[data-hrv="20"]', '[data-event="Negotiation"]', '[data-event="!Sign the term sheet"]', '[data-advance="60"]', '#reset-day']) await simulate(control);
      await textIn('#cycle-summary', 'Day 1 of 7');
      await page.waitForSelector('#reflection-screen[hidden]', wait);
    } catch (error) {
      // What the page showed when it went wrong, and what it complained of.
      await shot('failed').catch(() => undefined);
      const meetings = await page.$$eval('#meetings li', (items) => items.map((i) => `${i.getAttribute('data-id')} ${i.textContent}`));
      throw new Error(`${(error as Error).message}\nmeetings: ${JSON.stringify(meetings)}\npage errors: ${JSON.stringify(errors)}\nscreenshot: ${shots}/failed.png`, { cause: error });
    }
    expect(errors).toEqual([]);
  }, 120_000);
});
