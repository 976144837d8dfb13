// policypress serve as an author meets it, in Debian's headless Chromium
// driven by puppeteer-core: a page open in the browser reloads by itself to
// an edited version (its series built first), to a save by rename and to a
// new policy; a broken version shows an overlay with its file:line:column
// over the last good page, also on a page opened while it is broken; the
// fix clears it by itself. The live script leaves no error in the console.
//
//   node test-serve-browser.mjs POLICYPRESS SOURCE_ROOT   (prints TAP)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { browserTools } from './browser-tools.mjs';

const [binary, sourceRoot] = process.argv.slice(2);
const results = [];
const check = (name, problems) => results.push([name, problems]);
const finish = (code) => {
  console.log(`1..${results.length}`);
  results.forEach(([name, problems], i) => {
    console.log(`${problems.length ? 'not ok' : 'ok'} ${i + 1} - ${name}`);
    for (const p of problems.slice(0, 15)) console.log(`# ${p}`);
  });
  process.exit(code ?? (results.some(([, p]) => p.length) ? 1 : 0));
};

const { chromium, puppeteer } = browserTools(sourceRoot);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-serve-browser-'));
const content = path.join(work, 'content');
fs.cpSync(path.join(sourceRoot, 'content'), content, { recursive: true });
const version = path.join(content, 'privacy', 'en', '2025-03-02.md');
const broken = path.join(content, 'privacy', 'en', '2025-06-01.md');

const server = spawn(binary, ['serve', '--content', content, '--port', '0', '--as-of', '2026-12-01'],
                     { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: work } });
let serverErrors = '';
server.stderr.on('data', (d) => { serverErrors += d; });
const lines = readline.createInterface({ input: server.stdout });
const serverOutput = []; /* what the server said, for a failure's report */
lines.on('line', (line) => serverOutput.push(line));
// The first line the server prints from index `from` on that matches re.
const serverLine = async (re, from, timeout) => {
  for (const end = Date.now() + timeout; Date.now() < end;) {
    const line = serverOutput.slice(from).find((l) => re.test(l));
    if (line) return line;
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
};
const base = await new Promise((resolve) => {
  const timer = setTimeout(() => resolve(null), 30000);
  lines.on('line', (line) => {
    const m = line.match(/at (http:\/\/\S+\/) \(building/);
    if (m) { clearTimeout(timer); resolve(m[1]); }
  });
});
if (!base) {
  check('serve starts', ['no address printed', ...serverErrors.split('\n')]);
  server.kill();
  finish();
}

const browser = await puppeteer.launch({
  executablePath: chromium,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const consoleErrors = [];
const TIMEOUT = 30000;
// Polled on every animation frame, also while a reloaded page is still
// being parsed and has no body yet: a predicate that threw there would end
// the polling for good (an uncaught error in the page), and the wait would
// time out although the page came.
const includes = (t) => Boolean(document.body && document.body.innerText.includes(t));
try {
  const page = await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(base + 'en/privacy/', { waitUntil: 'load' });
  // The live stream is open once the script has run; give it a moment.
  const waitConnected = () => new Promise((r) => setTimeout(r, 400));
  await waitConnected();

  let problems = [];
  const started = Date.now();
  const printed = serverOutput.length;
  fs.appendFileSync(version, '\nReloaded by the browser after an edit.\n');
  try {
    await page.waitForFunction(includes, { timeout: TIMEOUT },
                               'Reloaded by the browser after an edit.');
  } catch (e) {
    problems.push(`the page did not reload to the edit: ${e.message}`);
  }
  // The page open in the browser is the one being read: its series first.
  const built = await serverLine(/built in/, printed, TIMEOUT);
  if (!/built in \d+ ms \(privacy, en ready in \d+ ms\)/.test(built))
    problems.push(`the series of the page being read was not built first: ${built}`);
  check(`an edited version: the open page reloads to it (${Date.now() - started} ms)`, problems);

  problems = [];
  await waitConnected();
  const text = fs.readFileSync(version, 'utf8');
  fs.writeFileSync(version + '.swp~', text + '\nSaved by writing a copy and renaming it.\n');
  fs.renameSync(version + '.swp~', version);
  try {
    await page.waitForFunction(includes, { timeout: TIMEOUT },
                               'Saved by writing a copy and renaming it.');
  } catch (e) {
    problems.push(`the page did not reload to the renamed save: ${e.message}`);
  }
  check('a save by rename: the page reloads', problems);

  // A broken version: the overlay with the position, over the last good page.
  problems = [];
  await waitConnected();
  fs.writeFileSync(broken, '---\ntitle: Broken\nupdated: 2025-06-01\n');
  let overlay = null;
  try {
    await page.waitForSelector('#policypress-build-errors', { timeout: TIMEOUT });
    overlay = await page.$eval('#policypress-build-errors', (e) => ({
      text: e.innerText, role: e.getAttribute('role'),
      lines: [...e.querySelectorAll('.policypress-build-error')].map((l) => l.textContent),
      covers: e.getBoundingClientRect().width >= window.innerWidth - 1,
    }));
  } catch (e) {
    problems.push(`no overlay for a broken version: ${e.message}`);
  }
  if (overlay) {
    if (!overlay.lines.some((l) => l.startsWith(`${broken}:1:1: error:`)))
      problems.push(`the overlay does not locate the error: ${JSON.stringify(overlay.lines)}`);
    if (overlay.role !== 'alert' || !overlay.covers)
      problems.push(`the overlay is not an alert over the page: ${overlay.role}, covers ${overlay.covers}`);
    if (!(await page.evaluate(includes, 'Saved by writing a copy and renaming it.')))
      problems.push('the last good page is not under the overlay');
  }
  // A page opened while the build fails: the last good one, with the overlay.
  const second = await browser.newPage();
  await second.goto(base + 'ar/privacy/', { waitUntil: 'load' });
  try {
    await second.waitForSelector('#policypress-build-errors', { timeout: TIMEOUT });
  } catch (e) {
    problems.push(`a page opened while the build fails has no overlay: ${e.message}`);
  }
  check('a build error: an overlay with file:line:column over the last good page', problems);

  problems = [];
  fs.unlinkSync(broken);
  for (const [name, p] of [['the first page', page], ['the page opened while broken', second]]) {
    try {
      await p.waitForFunction(() => !document.getElementById('policypress-build-errors'), { timeout: TIMEOUT });
    } catch (e) {
      problems.push(`${name}: the overlay stays after the fix: ${e.message}`);
    }
  }
  await second.close();
  check('the fix clears the overlay by itself', problems);

  // A new policy: the language's index, open in the browser, lists it.
  problems = [];
  await page.goto(base + 'en/', { waitUntil: 'load' });
  await waitConnected();
  fs.mkdirSync(path.join(content, 'cookies', 'en'), { recursive: true });
  fs.writeFileSync(path.join(content, 'cookies', 'en', '2024-05-01.md'),
                   '---\ntitle: Cookie Notice\nupdated: 2024-05-01\n---\n\nWhich cookies we set.\n');
  try {
    await page.waitForFunction(includes, { timeout: TIMEOUT }, 'Cookie Notice');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
                       page.click('a[href*="cookies"]')]);
    if (!(await page.evaluate(includes, 'Which cookies we set.')))
      problems.push('the new policy page does not show its text');
  } catch (e) {
    problems.push(`a new policy directory did not show: ${e.message}`);
    problems.push('the server said, last:', ...serverOutput.slice(-12),
                  ...serverErrors.split('\n').filter(Boolean).slice(-12));
  }
  check('a new policy directory while serving: listed and served', problems);
  check('no error in the console', consoleErrors);
} finally {
  await browser.close();
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
  fs.rmSync(work, { recursive: true, force: true });
}
finish();
