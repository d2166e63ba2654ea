import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { testMysqlUrl } from '../support/mysql';
import { apiClient, newInsuredId } from '../e2e/client';
import { given, type FreeSlots } from '../steps/given';
import { firstBookingMutation, statusChangesSubscription } from '../support/readme-blocks';

/**
 * The explorer as a person meets it: the banner's Explorer URL opened in a real
 * (headless) Chromium, operations typed into GraphiQL's editor and run with Ctrl+Enter.
 */

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FOUND = existsSync(CHROMIUM_PATH);
const CHROMIUM_REQUIRED = process.env.CI === 'true';
const CHROMIUM_HINT = 'install it (sudo apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary';
if (!CHROMIUM_FOUND && !CHROMIUM_REQUIRED) {
  process.stderr.write(
    `\n${'!'.repeat(100)}\nNo Chromium at ${CHROMIUM_PATH}: the explorer's browser test is SKIPPED. To run it, ${CHROMIUM_HINT}.\n${'!'.repeat(100)}\n\n`,
  );
}
const describeWithChromium = CHROMIUM_FOUND || CHROMIUM_REQUIRED ? describe : describe.skip;

/** The few DOM members read inside the page (the project compiles without the DOM library). */
interface ShownText {
  readonly textContent: string | null;
}
interface OptionElement extends ShownText {
  readonly value: string;
}
interface SelectElement {
  readonly selectedOptions: ArrayLike<ShownText>;
}
interface CodeMirrorHost {
  readonly CodeMirror: { getValue(): string };
}

describeWithChromium("the explorer at the banner's Explorer URL, in a real browser", () => {
  let stack: LocalStack;
  let browser: Browser;
  let userDataDir: string;
  let page: Page;
  let slots: FreeSlots;

  beforeAll(async () => {
    if (!CHROMIUM_FOUND) throw new Error(`CI=true requires Chromium for the explorer test: none at ${CHROMIUM_PATH}; ${CHROMIUM_HINT}.`);
    stack = await startLocalStack({ quiet: !process.env.LOCAL_STACK_LOGS, mysqlUrl: testMysqlUrl });
    slots = await given.freeSlotsIn(stack, { PE: 2, CL: 1 });
    userDataDir = await mkdtemp(join(tmpdir(), 'explorer-chromium-'));
    browser = await launchChromium(userDataDir);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    await stack?.stop();
  });

  // A fresh tab per test: nothing chosen in the picker carries over.
  beforeEach(async () => {
    page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 900 });
  });

  afterEach(async () => {
    await page?.close();
  });

  it('opens with the schema loaded: docs, explorer tree and autocomplete know the API', async () => {
    // Given the explorer URL the banner prints
    // When a person opens it
    await openExplorer(page, stack.explorerUrl);

    // Then they call as the developer with the API key unless they choose otherwise
    expect(await chosenIdentity(page)).toMatch(/API key/);

    // And the docs list the API's queries and mutations, the catalog's included
    expect(await documentedFields(page, 'Query')).toEqual(expect.arrayContaining(['appointments', 'availableSlots', 'catalog']));
    expect(await documentedFields(page, 'Mutation')).toEqual(expect.arrayContaining(['createAppointment', 'publishSlots', 'withdrawSlot']));

    // And the explorer tree offers the fields of the operation it opens with (the booking screen's query) to tick
    await showPlugin(page, 'GraphiQL Explorer');
    await page.waitForSelector('.graphiql-plugin ::-p-text(availableSlots)');

    // And typing in the editor suggests the API's fields
    await replaceOperation(page, '{ ');
    await page.keyboard.type('appoint');
    await page.waitForSelector('.CodeMirror-hints ::-p-text(appointments)');
  });

  it("runs the README's mutation typed into the editor and shows a PENDING appointment", async () => {
    // Given the explorer, calling as the developer (the API key)
    await openExplorer(page, stack.explorerUrl);

    // When the README's mutation is typed into the editor and run with Ctrl+Enter
    const answer = await runOperation(page, firstBookingMutation(slots.next('PE').scheduleId));

    // Then the answer is the new appointment, PENDING
    expect(answer).toEqual({
      data: {
        createAppointment: {
          appointmentId: expect.stringMatching(/^[0-9A-Z]{26}$/) as unknown,
          status: 'PENDING',
          createdAt: expect.any(String) as unknown,
        },
      },
    });
  });

  it("calls as the insured person chosen in the picker: their own appointments are listed, another person's are refused", async () => {
    // Given the explorer, and an appointment booked for the insured person its picker offers
    await openExplorer(page, stack.explorerUrl);
    const insuredId = await chooseIdentity(page, /^Insured (\d{5})/);
    const booked = await apiClient(stack).createAppointment({ insuredId, ...slots.next('CL') });
    const appointmentId = booked.data?.createAppointment?.appointmentId;
    expect(appointmentId).toEqual(expect.any(String));

    // When, calling as that person, they list their appointments
    const own = await runOperation(page, `{ appointments(insuredId: "${insuredId}") { items { appointmentId status } } }`);

    // Then the list shows the appointment
    expect(own).toEqual({
      data: {
        appointments: {
          items: expect.arrayContaining([expect.objectContaining({ appointmentId, status: expect.any(String) as unknown })]) as unknown,
        },
      },
    });

    // And another insured person's list is refused (with the API key it would not be)
    const others = await runOperation(page, `{ appointments(insuredId: "${otherThan(insuredId)}") { items { appointmentId } } }`);
    expect(others).toMatchObject({ errors: [expect.objectContaining({ errorType: expect.stringMatching(/^Unauthorized/) as unknown })] });
  });

  it('works the same on the TLS port: the schema loads and a query runs', async () => {
    // Given the explorer on the https port (what Amplify JS dials locally)
    const tlsExplorerUrl = new URL('/', stack.graphqlTlsUrl).href;

    // When a person opens it and lists an insured person's appointments
    await openExplorer(page, tlsExplorerUrl);
    const answer = await runOperation(page, `{ appointments(insuredId: "${newInsuredId()}") { items { appointmentId } nextToken } }`);

    // Then the API answers over TLS, from the page's own origin
    expect(answer).toEqual({ data: { appointments: { items: [], nextToken: null } } });
  });

  it("runs the README's subscription: a status change of a new booking appears in the answer, and Ctrl+Enter stops it", async () => {
    // Given the explorer subscribed to an insured person's status changes
    await openExplorer(page, stack.explorerUrl);
    const insuredId = newInsuredId();
    await replaceOperation(page, statusChangesSubscription(insuredId));
    await pressCtrlEnter(page);
    await page.waitForSelector('button[aria-label^="Stop"]');

    // When an appointment is booked for them by another client
    const booked = await apiClient(stack).createAppointment({ insuredId, ...slots.next('PE') });
    const appointmentId = booked.data?.createAppointment?.appointmentId ?? '';

    // Then its completion appears in the answer, without running anything again
    const change = await waitForAnswer(page, (answer) => JSON.stringify(answer).includes('COMPLETED'), 20_000);
    expect(change).toEqual({
      data: { onAppointmentStatusChanged: { appointmentId, status: 'COMPLETED', updatedAt: expect.any(String) as unknown } },
    });

    // And Ctrl+Enter stops the subscription
    await pressCtrlEnter(page);
    await page.waitForSelector('button[aria-label^="Execute"]');
  }, 40_000);
});

async function launchChromium(userDataDir: string): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    // The local CA is not in this throwaway profile's trust store; the TLS test needs the https port anyway.
    acceptInsecureCerts: true,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${userDataDir}`,
    ],
  });
}

/** Opens the explorer and waits until GraphiQL has the schema (its docs know the root types). */
async function openExplorer(page: Page, explorerUrl: string): Promise<void> {
  await page.goto(explorerUrl);
  await page.waitForSelector('.graphiql-query-editor .CodeMirror');
  await showPlugin(page, 'Documentation Explorer');
  await page.waitForSelector('a.graphiql-doc-explorer-type-name::-p-text(Mutation)');
}

/** Opens a GraphiQL sidebar plugin unless it is open already. */
async function showPlugin(page: Page, title: string): Promise<void> {
  const button = await page.$(`button[aria-label="Show ${title}"]`);
  await button?.click();
}

/** The fields the docs list for a root type, after clicking its name. */
async function documentedFields(page: Page, typeName: string): Promise<string[]> {
  await showPlugin(page, 'Documentation Explorer');
  const back = await page.$('.graphiql-doc-explorer-back');
  await back?.click();
  await page.locator(`a.graphiql-doc-explorer-type-name::-p-text(${typeName})`).click();
  await page.waitForSelector(`.graphiql-doc-explorer-title::-p-text(${typeName})`);
  return page.$$eval('.graphiql-doc-explorer a.graphiql-doc-explorer-field-name', (links: readonly ShownText[]) =>
    links.map((link) => link.textContent ?? ''),
  );
}

async function chosenIdentity(page: Page): Promise<string> {
  return page.$eval('#explorer-identity', (select: SelectElement) => select.selectedOptions[0]?.textContent ?? '');
}

/** Chooses the first identity whose label matches; returns the label's first captured group. */
async function chooseIdentity(page: Page, label: RegExp): Promise<string> {
  const options = await page.$$eval('#explorer-identity option', (elements: readonly OptionElement[]) =>
    elements.map((option) => ({ value: option.value, label: option.textContent ?? '' })),
  );
  const option = options.find((candidate) => label.test(candidate.label));
  if (!option) throw new Error(`The identity picker offers no ${label}: ${options.map((candidate) => candidate.label).join(', ')}`);
  await page.select('#explorer-identity', option.value);
  return label.exec(option.label)?.[1] ?? option.label;
}

/** Replaces the operation in the editor, typed as text. */
async function replaceOperation(page: Page, operation: string): Promise<void> {
  await page.click('.graphiql-query-editor .CodeMirror');
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
  await page.keyboard.sendCharacter(operation);
  // GraphiQL reads the edited operation after a short debounce.
  await new Promise((resolve) => setTimeout(resolve, 300));
}

async function pressCtrlEnter(page: Page): Promise<void> {
  await page.keyboard.down('Control');
  await page.keyboard.press('Enter');
  await page.keyboard.up('Control');
}

/** Types the operation, runs it with Ctrl+Enter and returns the answer GraphiQL shows. */
async function runOperation(page: Page, operation: string): Promise<unknown> {
  await replaceOperation(page, operation);
  const before = await shownAnswer(page);
  await pressCtrlEnter(page);
  return waitForAnswer(page, (answer) => JSON.stringify(answer) !== JSON.stringify(before), 10_000);
}

async function waitForAnswer(page: Page, done: (answer: unknown) => boolean, timeoutMs: number): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await shownAnswer(page);
    if (answer !== undefined && done(answer)) return answer;
    if (Date.now() > deadline)
      throw new Error(`The explorer did not show the expected answer within ${timeoutMs} ms; it shows ${JSON.stringify(answer)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The answer pane's JSON, or undefined while it is empty. */
async function shownAnswer(page: Page): Promise<unknown> {
  const text = await page.$eval('.result-window .CodeMirror', (editor: CodeMirrorHost) => editor.CodeMirror.getValue());
  return text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
}

function otherThan(insuredId: string): string {
  return insuredId === '99999' ? '99998' : String(Number(insuredId) + 1).padStart(5, '0');
}
