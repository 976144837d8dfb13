// The pages as a reader meets them, in Debian's headless Chromium driven by
// puppeteer-core: axe-core (WCAG 2.2 AA and best practice) over every kind of
// page of the bundled site, in light and dark mode, at phone and desktop
// widths; distinct titles; the compare choice within the first screen of
// the page in force on a phone; a jump to a change that leaves its section
// heading in view; the skip link opaque when focused; dark mode really dark;
// the 404 page in each of the site's languages, each in its direction.
//
//   node test-reader.mjs POLICYPRESS SOURCE_ROOT   (prints TAP)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { browserTools } from './browser-tools.mjs';

const [binary, sourceRoot] = process.argv.slice(2);
const results = [];
const check = (name, problems) => results.push([name, problems]);
const finish = () => {
  console.log(`1..${results.length}`);
  results.forEach(([name, problems], i) => {
    console.log(`${problems.length ? 'not ok' : 'ok'} ${i + 1} - ${name}`);
    for (const p of problems.slice(0, 15)) console.log(`# ${p}`);
  });
  process.exit(results.some(([, p]) => p.length) ? 1 : 0);
};

const { chromium, puppeteer, axeSource } = browserTools(sourceRoot, { axe: true });

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-reader-'));
const site = path.join(work, 'public');
execFileSync(binary, ['build', '--content', path.join(sourceRoot, 'content'), '--out', site, '-q',
                      '--as-of', '2026-12-01']);
const url = (page) => 'file://' + path.join(site, page);
const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const DESKTOP = { width: 1280, height: 900 };
// One page of every kind: indexes, the plain URL (in force), an earlier, an
// upcoming version, a version's changes, a comparison, the history, the 404.
const KINDS = ['index.html', 'ar/index.html', 'ar/privacy/index.html', 'en/privacy/2024-09-01/index.html',
               'ar/privacy/2026-11-16/index.html', 'ar/privacy/2025-03-02/changes/index.html',
               'en/privacy/2025-03-02/changes/2023-03-14/index.html', 'en/privacy/history/index.html', '404.html',
               'en/privacy/2026-11-16/side-by-side/index.html'];

const browser = await puppeteer.launch({
  executablePath: chromium,
  args: ['--no-sandbox', '--disable-gpu', '--allow-file-access-from-files', '--disable-background-networking'],
});
try {
  const page = await browser.newPage();
  const open = async (file, viewport, scheme) => {
    await page.setViewport(viewport);
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
    await page.goto(url(file), { waitUntil: 'load' });
  };

  // axe over every kind of page, light and dark, phone and desktop.
  const violations = [];
  for (const file of KINDS)
    for (const [vname, viewport] of [['phone', PHONE], ['desktop', DESKTOP]])
      for (const scheme of ['light', 'dark']) {
        await open(file, viewport, scheme);
        await page.evaluate(axeSource);
        const found = await page.evaluate(async () => {
          const r = await window.axe.run(document, {
            runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
            rules: { 'color-contrast': { enabled: true } },
          });
          return r.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes[0].target.join(' ')}`);
        });
        for (const v of found) violations.push(`${file} ${vname} ${scheme}: ${v}`);
      }
  check(`axe-core: no violation on ${KINDS.length} kinds of page, light and dark, phone and desktop`, violations);

  // Every page its own title, unless it is the same page at another address.
  const pages = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.html')) pages.push(path.relative(site, p));
    }
  };
  walk(site);
  const seen = new Map();
  const same = [];
  for (const file of pages) {
    await page.goto(url(file));
    const [title, canonical] = await page.evaluate(() =>
      [document.title, document.querySelector('link[rel=canonical]')?.href || '']);
    const other = seen.get(title);
    if (other && (!canonical || other.canonical !== canonical)) same.push(`${file} and ${other.file}: ${title}`);
    if (!other) seen.set(title, { file, canonical });
  }
  check(`distinct titles over all ${pages.length} pages`, same);

  // The compare choice within the first screen of the page in force, phone.
  const problems = [];
  for (const file of ['ar/privacy/index.html', 'en/privacy/index.html']) {
    await open(file, PHONE, 'light');
    const at = await page.evaluate(() => {
      const d = document.querySelector('details.compare');
      if (!d) return null;
      d.open = true;
      const items = [...d.querySelectorAll('li')];
      return { top: d.getBoundingClientRect().top, items: items.length,
               summaries: items.filter((li) => li.querySelector('.compare-summary')).length };
    });
    if (!at || at.top > PHONE.height - 60 || at.items < 2 || at.summaries !== at.items)
      problems.push(`${file}: ${JSON.stringify(at)}`);
  }
  check('the page in force offers every earlier version, with its summary, within the first phone screen', problems);

  // A jump to a change: below the top edge, its section heading in view,
  // outlined with a visible colour.
  const jump = [];
  for (const [file, id] of [['ar/privacy/2025-03-02/changes/index.html', 'change-2'],
                            ['en/privacy/2024-09-01/changes/index.html', 'change-3']])
    for (const viewport of [PHONE, DESKTOP]) {
      await page.setViewport(viewport);
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
      await page.goto(url(file) + '#' + id);
      const r = await page.evaluate((id) => {
        const target = document.getElementById(id);
        let h = target;
        // The section heading: the nearest heading before the change.
        const all = [...document.querySelectorAll('.policy-body h2, .policy-body h3')];
        const before = all.filter((x) => x.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_FOLLOWING);
        h = before[before.length - 1];
        const style = getComputedStyle(target);
        return { top: target.getBoundingClientRect().top, heading: h ? h.getBoundingClientRect().top : null,
                 outline: style.outlineStyle, height: innerHeight };
      }, id);
      // The heading is in view whenever it is less than a third of a
      // screen above the change (further up, the paragraph fills the view).
      const near = r.heading !== null && r.top - r.heading < r.height / 3;
      if (r.top < r.height * 0.2 || (near && r.heading < 0) || r.outline === 'none')
        jump.push(`${file}#${id} at ${viewport.width}px: ${JSON.stringify(r)}`);
    }
  // From each change, "next change" leads to the next and the last leads
  // back to the list.
  await page.goto(url('ar/privacy/2026-11-16/changes/2023-03-14/index.html'));
  const chain = await page.evaluate(() => {
    const ids = [...document.querySelectorAll('.change-list a')].map((a) => a.getAttribute('href'));
    const navs = [...document.querySelectorAll('.change-nav')].map((n) => [...n.querySelectorAll('a')].map((a) => a.getAttribute('href')));
    return { ids, navs };
  });
  chain.navs.forEach((links, i) => {
    const want = i + 1 < chain.ids.length ? [chain.ids[i + 1], '#changes-summary'] : ['#changes-summary'];
    if (JSON.stringify(links) !== JSON.stringify(want)) jump.push(`change ${i + 1}: ${JSON.stringify(links)}`);
  });
  if (chain.navs.length !== chain.ids.length || chain.ids.length < 5) jump.push(`${chain.navs.length} of ${chain.ids.length}`);
  await page.click('.change-nav a');
  if ((await page.evaluate(() => location.hash)) !== chain.ids[1]) jump.push('"next change" did not lead to the next');
  check('a jump to a change lands a fifth of a screen down or more, a nearby heading in view, outlined; ' +
        'each change leads to the next and back to the list', jump);

  // The skip link, focused on a phone, is drawn opaque over the site title.
  const skip = [];
  for (const scheme of ['light', 'dark']) {
    await open('ar/privacy/index.html', PHONE, scheme);
    await page.keyboard.press('Tab');
    const r = await page.evaluate(() => {
      const a = document.activeElement;
      return { cls: a.className, bg: getComputedStyle(a).backgroundColor, top: a.getBoundingClientRect().top };
    });
    if (r.cls !== 'skip-link' || /rgba\(.*, 0\)|transparent/.test(r.bg) || r.top < 0)
      skip.push(`${scheme}: ${JSON.stringify(r)}`);
  }
  check('the skip link is the first stop and opaque when focused on a phone', skip);

  // Dark mode: a dark page with light text, as the reader asked.
  const dark = [];
  for (const file of ['ar/privacy/index.html', 'en/privacy/2024-09-01/changes/index.html']) {
    await open(file, DESKTOP, 'dark');
    const r = await page.evaluate(() => {
      const lum = (c) => { const [r, g, b] = c.match(/\d+/g).map(Number); return (r + g + b) / 3; };
      return { bg: lum(getComputedStyle(document.documentElement).backgroundColor),
               fg: lum(getComputedStyle(document.querySelector('main')).color) };
    });
    if (!(r.bg < 60 && r.fg > 180)) dark.push(`${file}: ${JSON.stringify(r)}`);
  }
  check('dark mode is dark, with light text', dark);

  // The 404 page says it in every language, each section in its direction,
  // its list inside the column; styled from inside itself.
  const nf = [];
  await open('404.html', DESKTOP, 'light');
  const sections = await page.evaluate(() => [...document.querySelectorAll('main section')].map((s) => {
    const main = document.querySelector('main').getBoundingClientRect();
    const li = s.querySelector('li').getBoundingClientRect();
    return { lang: s.lang, dir: getComputedStyle(s).direction, inside: li.left >= main.left - 1 && li.right <= main.right + 1,
             styled: getComputedStyle(s.querySelector('h1, h2')).fontFamily !== '' &&
                     getComputedStyle(document.body).paddingInlineStart !== '0px' };
  }));
  const want = { ar: 'rtl', en: 'ltr' };
  for (const s of sections)
    if (want[s.lang] !== s.dir || !s.inside || !s.styled) nf.push(JSON.stringify(s));
  if (sections.length !== 2) nf.push(`${sections.length} sections`);
  check('the 404 page in Arabic and English, each in its direction, styled wherever it is served', nf);
} finally {
  await browser.close();
  fs.rmSync(work, { recursive: true, force: true });
}
finish();
