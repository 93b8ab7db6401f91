// Accessibility of every kind of page, in French and in English (and in
// the dark colour scheme): axe-core's WCAG 2.1 A and AA rules find no
// violation. Then what axe cannot judge: the skip link, keyboard-only use of
// the pledge and review forms with a visible focus at every stop, form
// errors tied to their fields, the funding progress bar's text equivalent,
// reflow at 320 pixels, and the weight of an issue page with its funding
// panel (HTML and CSS under 60 KB).
//
// The data the pages show is set up first through the JSON API and git.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startForge, launchBrowser, newVisitor, signIn, keepScreenshotsOnFailure, api, tokenFor,
  workingCopy, git, axe, describeViolations, focusIndicator, tabTo, t, plain, money,
} from './support.mjs';

const PASSWORD = 'a11y-password-42';
const REPO = 'mara/agenda';
const LANGS = ['en', 'fr'];
const WEIGHT_LIMIT = 60 * 1024;

let forge;
let browser;
let code;
const data = {};
/** One signed-in (or anonymous) browser context per person and language. */
const visitors = new Map();

function inDays(days) {
  return new Date(Date.now() + days * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
}

async function visitor(who, lang) {
  const key = `${who}:${lang}`;
  if (!visitors.has(key)) {
    const v = await newVisitor(browser, lang);
    if (who !== 'anonymous') await signIn(forge, v.page, lang, who, PASSWORD);
    visitors.set(key, v);
  }
  used.add(visitors.get(key).page);
  return visitors.get(key);
}

/** Everything the pages need: people, organisations, a repository with
 * history, issues with funding goals in several states. */
async function setUp() {
  await forge.createUser({ username: 'root', email: 'root@example.org', password: PASSWORD, admin: true });
  const admin = await tokenFor(forge, 'root', PASSWORD);
  const tokens = {};
  for (const [username, fullName] of [['mara', 'Mara Lopez'], ['tess', 'Tess Martin'], ['sam', 'Sam Okafor']]) {
    await api(forge, 'POST', '/api/v1/admin/users', {
      token: admin,
      body: { username, email: `${username}@example.org`, password: PASSWORD, full_name: fullName },
    });
    tokens[username] = await tokenFor(forge, username, PASSWORD);
  }
  await api(forge, 'POST', '/api/v1/orgs', {
    token: tokens.tess,
    body: { username: 'coop-alpha', full_name: 'Coopérative Alpha', description: 'Une coopérative de services', website: 'https://coop-alpha.example.org', kind: 'cooperative' },
  });
  await api(forge, 'PUT', '/api/v1/orgs/coop-alpha/members/mara', { token: tokens.tess, body: { role: 'member' } });
  await api(forge, 'POST', '/api/v1/orgs', {
    token: tokens.sam,
    body: { username: 'assoc-beta', full_name: 'Association Beta', description: 'An association', website: '', kind: 'association' },
  });
  await api(forge, 'PUT', '/api/v1/orgs/assoc-beta/members/tess', { token: tokens.sam, body: { role: 'treasurer' } });
  await api(forge, 'POST', '/api/v1/user/repos', {
    token: tokens.mara,
    body: { name: 'agenda', description: 'A shared calendar for associations' },
  });

  // History: two commits on main, a tag, a branch.
  code.write('README.md', '# Agenda\n\nA shared calendar for associations.\n\n## Building\n\n```sh\ncargo build\n```\n');
  code.write('src/main.rs', 'fn main() {\n    let events = vec!["AG", "CA"];\n    for e in events {\n        println!("{e}");\n    }\n}\n');
  code.write('docs/guide.md', '# Guide\n\nHow to use the agenda.\n');
  await code.commit('Initial commit');
  code.write('src/main.rs', 'fn main() {\n    let events = vec!["AG", "CA", "Bureau"];\n    for e in events {\n        println!("Event: {e}");\n    }\n}\n');
  code.write('src/ical.rs', 'pub fn export() -> String {\n    String::from("BEGIN:VCALENDAR")\n}\n');
  data.commit = await code.commit('Print events with a prefix\n\nAnd start the iCalendar export.');
  await git(code.dir, 'tag', '-a', 'v1.0', '-m', 'First release');
  await git(code.dir, 'branch', 'feature');
  await code.push(forge, 'mara', PASSWORD, REPO);
  await code.push(forge, 'mara', PASSWORD, REPO, 'feature');
  await git(code.dir, 'push', '-q', `http://mara:${PASSWORD}@${forge.addr}/${REPO}.git`, 'v1.0');

  const repoApi = `/api/v1/repos/${REPO}`;
  await api(forge, 'POST', `${repoApi}/labels`, { token: tokens.mara, body: { name: 'feature', color: '#0b5cad', description: 'Something new' } });
  await api(forge, 'POST', `${repoApi}/labels`, { token: tokens.mara, body: { name: 'bug', color: '#d73a4a', description: 'Something broken' } });
  await api(forge, 'POST', `${repoApi}/milestones`, { token: tokens.mara, body: { title: 'Version 1.1', description: 'The next release' } });

  const issue = async (title, body, by = 'sam', extra = {}) =>
    (await api(forge, 'POST', `${repoApi}/issues`, { token: tokens[by], body: { title, body, ...extra } })).number;
  const goal = (n, budget, extra = {}) => api(forge, 'PUT', `${repoApi}/issues/${n}/funding`, {
    token: tokens.mara,
    body: { budget_minor: budget, currency: 'EUR', deadline: inDays(30), acceptance: '- An `.ics` file\n- Recurring events', ...extra },
  });
  const pledge = (n, by, org, amount) => api(forge, 'POST', `${repoApi}/issues/${n}/funding/pledges`, {
    token: tokens[by], body: { org, amount_minor: amount, currency: 'EUR' },
  });
  const deliver = (n) => api(forge, 'POST', `${repoApi}/issues/${n}/funding/deliver`, {
    token: tokens.mara, body: { note: 'Delivered in `src/ical.rs`.', commits: [data.commit] },
  });
  const review = (n, by, org) => api(forge, 'POST', `${repoApi}/issues/${n}/funding/review`, {
    token: tokens[by], body: { org, verdict: 'accept' },
  });

  // 1: collecting pledges, one pledge so far (pledge form, progress bar).
  data.open = await issue('Export the agenda as iCalendar', 'Our members want the agenda in their **calendar** applications.', 'sam', { labels: ['feature'], milestone: 1 });
  await api(forge, 'POST', `${repoApi}/issues/${data.open}/comments`, { token: tokens.tess, body: { body: 'We need this too. See #2.' } });
  await goal(data.open, 5_000_000, { min_funders: 2 });
  await pledge(data.open, 'tess', 'coop-alpha', 1_200_000);
  // 2: delivered, under review (review form).
  data.delivered = await issue('Recurring events', 'Weekly meetings.', 'tess');
  await goal(data.delivered, 100_000);
  await pledge(data.delivered, 'tess', 'coop-alpha', 60_000);
  await pledge(data.delivered, 'sam', 'assoc-beta', 60_000);
  await deliver(data.delivered);
  // 3: accepted, payments due (payment forms for the receiver).
  data.accepted = await issue('Print the agenda', 'A printable view.', 'sam', { labels: ['bug'] });
  await goal(data.accepted, 80_000);
  await pledge(data.accepted, 'sam', 'assoc-beta', 50_000);
  data.acceptedPledge = (await pledge(data.accepted, 'tess', 'coop-alpha', 50_000)).id;
  await deliver(data.accepted);
  await review(data.accepted, 'tess', 'coop-alpha');
  await review(data.accepted, 'sam', 'assoc-beta');
  // 4: a closed issue without funding.
  data.closed = await issue('Typo in the README', 'It says "calender".', 'tess');
  await api(forge, 'PATCH', `${repoApi}/issues/${data.closed}`, { token: tokens.mara, body: { state: 'closed' } });
  // 5: open, no funding asked yet (the goal form).
  data.unfunded = await issue('Dark mode', 'Easier on the eyes at night.', 'sam');

  // A pull request (after the issues, so their numbers stay), a comment on
  // one of its lines given with a review, and a rule protecting main.
  await git(code.dir, 'checkout', '-q', '-b', 'ical');
  code.write('src/ical.rs', 'pub fn export() -> String {\n    String::from("BEGIN:VCALENDAR\\r\\nEND:VCALENDAR")\n}\n');
  await code.commit('Close the calendar');
  await code.push(forge, 'mara', PASSWORD, REPO, 'ical');
  await git(code.dir, 'checkout', '-q', 'main');
  data.pull = (await api(forge, 'POST', `${repoApi}/pulls`, {
    token: tokens.mara, body: { head: 'ical', base: 'main', title: 'Close the calendar', body: 'Fixes #' + data.unfunded },
  })).number;
  await api(forge, 'POST', `${repoApi}/pulls/${data.pull}/reviews`, {
    token: tokens.tess,
    body: { event: 'COMMENT', body: 'One question.', comments: [{ path: 'src/ical.rs', body: 'Are these the right line endings?', new_position: 2 }] },
  });
  await api(forge, 'POST', `${repoApi}/branch_protections`, {
    token: tokens.mara,
    body: { rule_name: 'main', required_approvals: 1, enable_status_check: true, status_check_contexts: ['ci/build'] },
  });
  data.tokens = tokens;
}

before(async () => {
  forge = await startForge();
  code = await workingCopy('a11y');
  browser = await launchBrowser();
  await setUp();
});

after(async () => {
  await browser?.close();
  await forge?.stop();
  code?.remove();
});

/** The pages a test used: screenshots of them are kept if it fails. */
let used = new Set();
let ownContexts = [];

async function guard(name, body) {
  used = new Set();
  ownContexts = [];
  try {
    await keepScreenshotsOnFailure(name, () => [...used], body);
  } finally {
    for (const context of ownContexts) await context.close();
  }
}

/** A browser context of the test's own, closed when the test ends. */
async function fresh(lang) {
  const v = await newVisitor(browser, lang);
  ownContexts.push(v.context);
  used.add(v.page);
  return v;
}

// ---------------------------------------------------------------------------
// axe on every kind of page.

/** [kind, who, path, how to reach the state to check (optional)]. */
function pages() {
  const issue = (n) => `/${REPO}/issues/${n}`;
  return [
    ['home (visitor)', 'anonymous', '/'],
    ['home (signed in)', 'tess', '/'],
    ['explore repositories', 'anonymous', '/explore/repos'],
    ['explore organisations', 'anonymous', '/explore/organizations'],
    ['sign-in', 'anonymous', '/user/login'],
    ['sign-in, wrong password', 'anonymous', '/user/login', async (page, lang) => {
      await page.getByLabel(t(lang, 'login-login'), { exact: true }).fill('tess');
      await page.getByLabel(t(lang, 'field-password'), { exact: true }).fill('wrong-password');
      await page.getByRole('button', { name: t(lang, 'login-submit'), exact: true }).click();
      await page.getByRole('alert').waitFor();
    }],
    ['sign-up', 'anonymous', '/user/sign_up'],
    ['sign-up with errors', 'anonymous', '/user/sign_up', async (page, lang) => {
      await page.getByRole('button', { name: t(lang, 'sign-up-submit'), exact: true }).click();
      await page.getByRole('alert').waitFor();
    }],
    ['user', 'tess', '/mara'],
    ['organisation (owner)', 'tess', '/coop-alpha'],
    ['organisation (visitor)', 'anonymous', '/assoc-beta'],
    ['new organisation', 'tess', '/org/create'],
    ['new repository', 'mara', '/repo/create'],
    ['repository home', 'mara', `/${REPO}`],
    ['tree', 'anonymous', `/${REPO}/src/branch/main/src`],
    ['file', 'anonymous', `/${REPO}/src/branch/main/src/main.rs`],
    ['file (Markdown)', 'anonymous', `/${REPO}/src/branch/main/README.md`],
    ['history', 'anonymous', `/${REPO}/commits`],
    ['commit', 'anonymous', () => `/${REPO}/commit/${data.commit}`],
    ['branches', 'anonymous', `/${REPO}/branches`],
    ['tags', 'anonymous', `/${REPO}/tags`],
    ['issue list', 'mara', `/${REPO}/issues`],
    ['issue list (closed)', 'anonymous', `/${REPO}/issues?state=closed`],
    ['issue (visitor)', 'anonymous', () => issue(data.open)],
    ['issue with funding panel (maintainer)', 'mara', () => issue(data.open)],
    ['issue with funding panel (treasurer, pledge form)', 'tess', () => issue(data.open)],
    ['issue with funding panel (review form)', 'tess', () => issue(data.delivered)],
    ['issue with funding panel (payment forms)', 'mara', () => issue(data.accepted)],
    ['new issue', 'mara', `/${REPO}/issues/new`],
    ['labels', 'mara', `/${REPO}/labels`],
    ['milestones', 'mara', `/${REPO}/milestones`],
    ['funding page (pledge form)', 'tess', () => `${issue(data.open)}/funding`],
    ['funding page (maintainer)', 'mara', () => `${issue(data.open)}/funding`],
    ['funding page (review form)', 'sam', () => `${issue(data.delivered)}/funding`],
    ['funding page (payment forms)', 'mara', () => `${issue(data.accepted)}/funding`],
    ['funding page, pledge refused', 'tess', () => `${issue(data.open)}/funding`, async (page, lang) => {
      const form = page.locator('#pledge-form');
      await form.getByLabel(t(lang, 'funding-pledge-amount', { currency: 'EUR' }), { exact: true }).fill('beaucoup');
      await form.getByRole('button', { name: t(lang, 'funding-pledge-submit'), exact: true }).click();
      await page.locator('[aria-invalid="true"]').first().waitFor();
    }],
    ['funding page, payment refused', 'mara', () => `${issue(data.accepted)}/funding`, async (page, lang) => {
      const form = page.locator('form').filter({ has: page.getByRole('button', { name: t(lang, 'funding-payment-submit') }) }).first();
      await form.getByLabel(t(lang, 'funding-payment-amount', { currency: 'EUR' }), { exact: true }).fill('999999');
      await form.getByLabel(t(lang, 'funding-payment-reference'), { exact: true }).fill('VIR 1');
      await form.getByRole('button', { name: t(lang, 'funding-payment-submit'), exact: true }).click();
      await page.locator('[aria-invalid="true"]').first().waitFor();
    }],
    ['ledger of a goal', 'anonymous', () => `${issue(data.accepted)}/funding/ledger`],
    ['asking before cancelling a goal', 'mara', () => `${issue(data.open)}/funding/cancel`],
    ['money owed and received', 'mara', '/user/mara/received'],
    ['notifications', 'tess', '/notifications'],
    ['settings: e-mail', 'tess', '/user/settings/notifications'],
    ['settings: SSH keys', 'tess', '/user/settings/keys'],
    ['settings: feeds', 'tess', '/user/settings/feeds'],
    ['repository webhooks', 'mara', `/${REPO}/settings/hooks`],
    ['repository deploy keys', 'mara', `/${REPO}/settings/keys`],
    ['pull requests', 'anonymous', `/${REPO}/pulls`],
    ['new pull request: choosing branches', 'mara', `/${REPO}/compare`],
    ['pull request (maintainer, protected base)', 'mara', () => `/${REPO}/pulls/${data.pull}`],
    ['pull request: changed files with a conversation', 'tess', () => `/${REPO}/pulls/${data.pull}/files`],
    ['pull request: reviews', 'tess', () => `/${REPO}/pulls/${data.pull}/reviews`],
    ['repository branch protection', 'mara', `/${REPO}/settings/branches`],
    ['e-mail sent (administrator)', 'root', '/-/admin/mail'],
    ['explore: open for funding', 'anonymous', '/explore/funding?currency=EUR'],
    ['repository: open for funding', 'anonymous', `/${REPO}/funding/open`],
    ['repository funding', 'anonymous', `/${REPO}/funding`],
    ['organisation pledges', 'tess', '/org/coop-alpha/pledges'],
    ['settings: profile', 'tess', '/user/settings'],
    ['settings: profile with errors', 'tess', '/user/settings', async (page, lang) => {
      // The field's maxlength stops a browser from typing too much: an older
      // page or another client may still send it, and the server says why.
      const field = page.getByLabel(t(lang, 'settings-full-name'), { exact: true });
      await field.evaluate((input) => input.removeAttribute('maxlength'));
      await field.fill('x'.repeat(101));
      await page.getByRole('button', { name: t(lang, 'settings-save-profile'), exact: true }).click();
      await page.locator('[aria-invalid="true"]').first().waitFor();
    }],
    ['settings: account', 'tess', '/user/settings/account'],
    ['settings: account, wrong current password', 'tess', '/user/settings/account', async (page, lang) => {
      const form = page.locator('form[action="/user/settings/account/password"]');
      await form.getByLabel(t(lang, 'settings-current-password'), { exact: true }).fill('not-it');
      await form.getByLabel(t(lang, 'settings-new-password'), { exact: true }).fill('a brand new password');
      await form.getByLabel(t(lang, 'field-password-confirm'), { exact: true }).fill('a brand new password');
      await form.getByRole('button', { name: t(lang, 'settings-password-submit'), exact: true }).click();
      await page.locator('[aria-invalid="true"]').first().waitFor();
    }],
    ['settings: closing the account (what to do first)', 'mara', '/user/settings/account/close'],
    ['new issue with a preview', 'mara', `/${REPO}/issues/new`, async (page, lang) => {
      await page.getByLabel(t(lang, 'issue-field-title'), { exact: true }).fill('Export');
      await page.getByLabel(t(lang, 'issue-field-body'), { exact: true }).fill('## Need\n\n> quoted\n\n**bold** and `code`');
      await page.getByRole('button', { name: t(lang, 'issue-preview'), exact: true }).click();
      await page.locator('.preview .markdown').waitFor();
    }],
    ['settings: access tokens', 'tess', '/user/settings/tokens'],
    ['settings: sign-in identities', 'tess', '/user/settings/identities'],
    ['settings: payment details', 'tess', '/user/settings/payee'],
    ['call for funds (printable page)', 'tess', () => `${issue(data.accepted)}/funding/pledges/${data.acceptedPledge}/call`],
    ['repository settings', 'mara', `/${REPO}/settings`],
    ['page not found', 'anonymous', '/nobody/nothing/here'],
  ];
}

/** Runs axe on one kind of page as `who` in `lang`, light or dark. */
async function checkPage(lang, scheme, [kind, who, where, act]) {
  await guard(`a11y-${lang}-${scheme}-${kind}`, async () => {
    const { page } = await visitor(who, lang);
    await page.emulateMedia({ colorScheme: scheme });
    try {
      const route = typeof where === 'function' ? where() : where;
      const response = await page.goto(`${forge.url}${route}`);
      // A page that is not there would pass the checks as an error page.
      const expected = kind === 'page not found' ? 404 : 200;
      assert.equal(response.status(), expected, `${route} answered ${response.status()}`);
      if (act) await act(page, lang);
      assert.equal(await page.locator('html').getAttribute('lang'), lang, `the page at ${route} is not in ${lang}`);
      const { violations, incomplete, passed } = await axe(page);
      // axe did run: a page of ours passes dozens of rules.
      assert.ok(passed >= 10, `axe-core passed only ${passed} rules: did it run?`);
      const review = incomplete.length ? `; to review by hand: ${incomplete.map((i) => `${i.id} (${i.nodes.length})`).join(', ')}` : '';
      console.log(`# axe ${lang} ${scheme} ${kind}: ${passed} rules passed, ${violations.length} violated${review}`);
      if (violations.length) {
        assert.fail(`${violations.length} accessibility rule(s) violated on ${kind} (${lang}, ${scheme}, ${page.url()}):\n${describeViolations(violations)}`);
      }
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
    }
  });
}

for (const lang of LANGS) {
  describe(`axe-core, WCAG 2.1 A and AA, ${lang}`, () => {
    for (const entry of pages()) {
      test(entry[0], () => checkPage(lang, 'light', entry));
    }
  });
}

// The dark colour scheme has colours of its own: its contrast is checked
// too (once: the words change with the language, not the colours).
describe('axe-core, WCAG 2.1 A and AA, dark colour scheme, fr', () => {
  for (const entry of pages()) {
    test(entry[0], () => checkPage('fr', 'dark', entry));
  }
});

// Reflow (WCAG 1.4.10): at 320 CSS pixels wide, nothing but code and
// tables scrolls sideways; the page itself never does.
describe('reflow at 320 pixels wide, fr', () => {
  for (const [kind, who, where, act] of pages()) {
    test(kind, async () => {
      await guard(`a11y-reflow-${kind}`, async () => {
        const { page } = await visitor(who, 'fr');
        await page.setViewportSize({ width: 320, height: 640 });
        try {
          await page.goto(`${forge.url}${typeof where === 'function' ? where() : where}`);
          if (act) await act(page, 'fr');
          const wide = await page.evaluate(() => {
            const limit = document.documentElement.clientWidth;
            const offenders = [];
            // An element past the right edge is fine inside a box of its
            // own that scrolls (a table's, a code listing's) and fits.
            const contained = (el) => {
              for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
                if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(up).overflowX)) {
                  return up.getBoundingClientRect().right <= limit + 1;
                }
              }
              return false;
            };
            const name = (el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}`;
            for (const el of document.querySelectorAll('body *')) {
              const box = el.getBoundingClientRect();
              if (box.right > limit + 1 && box.width > 0 && !contained(el)
                && !(offenders.some((o) => o.el.contains(el)))) {
                offenders.push({ el, text: `${name(el)} (right edge ${Math.round(box.right)})` });
              }
            }
            return { scroll: document.documentElement.scrollWidth, limit, offenders: offenders.slice(0, 10).map((o) => o.text) };
          });
          assert.ok(wide.scroll <= wide.limit + 1 && wide.offenders.length === 0,
            `the page scrolls sideways at 320 px (${wide.scroll} px wide): ${wide.offenders.join(', ')}`);
        } finally {
          await page.setViewportSize({ width: 1280, height: 900 });
        }
      });
    });
  }
});

// ---------------------------------------------------------------------------
// The language switch in the footer.

test('the footer\'s language switch changes the page\'s language', async () => {
  await guard('a11y-language-switch', async () => {
    const { page } = await fresh('en');
    await page.goto(`${forge.url}/explore/repos`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    const footer = page.getByRole('contentinfo');
    await footer.getByLabel(t('en', 'footer-language'), { exact: true }).selectOption('fr');
    await footer.getByRole('button', { name: t('en', 'footer-language-apply'), exact: true }).click();
    await page.waitForURL(`${forge.url}/explore/repos`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
    await page.getByRole('heading', { level: 1, name: t('fr', 'explore-title') }).waitFor();
    const { violations } = await axe(page);
    assert.deepEqual(violations.map((v) => v.id), [], describeViolations(violations));
  });
});

// ---------------------------------------------------------------------------
// Keyboard.

describe('keyboard only', () => {
  for (const lang of LANGS) {
    test(`the skip link is the first stop and moves the focus to the main content (${lang})`, async () => {
      await guard(`a11y-skip-${lang}`, async () => {
        const { page } = await visitor('tess', lang);
        for (const route of ['/', `/${REPO}/issues/${data.open}`, `/${REPO}/src/branch/main/src/main.rs`]) {
          await page.goto(`${forge.url}${route}`);
          await page.keyboard.press('Tab');
          const first = await focusIndicator(page);
          const skip = page.getByRole('link', { name: t(lang, 'skip-to-content'), exact: true });
          assert.equal(await skip.evaluate((el) => el === document.activeElement), true,
            `the first Tab on ${route} reached ${first.element}, not the skip link`);
          assert.ok(first.visible, `the skip link shows no focus indicator (${first.outline})`);
          const box = await skip.boundingBox();
          assert.ok(box && box.y >= 0 && box.width > 1 && box.height > 1, 'the focused skip link is on screen');
          await page.keyboard.press('Enter');
          assert.equal(await page.evaluate(() => document.activeElement?.id), 'main', 'Enter on the skip link focuses main');
          // The next Tab goes to the first control inside main.
          await page.keyboard.press('Tab');
          assert.equal(await page.evaluate(() => document.getElementById('main').contains(document.activeElement)), true,
            'after the skip link, Tab stays in the main content');
        }
      });
    });
  }

  // Only Tab, Shift+Tab, Enter and Space move and act; text is typed.
  test('a treasurer pledges with the keyboard alone (en)', async () => {
    await guard('a11y-keyboard-pledge', async () => {
      const { page } = await fresh('en');
      await signIn(forge, page, 'en', 'sam', PASSWORD);
      // Sam treasures Association Beta, which has not pledged yet.
      await page.goto(`${forge.url}/${REPO}/issues/${data.open}`);
      const stops = await tabTo(page, '#pledge-org');
      assert.ok(stops.length > 3);
      assert.equal(await page.locator('#pledge-org').inputValue(), 'assoc-beta');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'pledge-amount', 'organisation, then amount');
      assert.ok((await focusIndicator(page)).visible, 'the amount field shows its focus');
      await page.keyboard.type('1,500.00');
      // Shift+Tab goes back to the organisation, Tab forward again.
      await page.keyboard.press('Shift+Tab');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'pledge-org');
      await page.keyboard.press('Tab');
      assert.equal(await page.locator('#pledge-amount').inputValue(), '1,500.00', 'the amount is kept');
      await page.keyboard.press('Tab');
      const button = await focusIndicator(page);
      assert.equal(button.tag, 'button', `after the amount comes the submit button, not ${button.element}`);
      assert.ok(button.visible, `the submit button shows its focus (${button.outline})`);
      assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), t('en', 'funding-pledge-submit'));
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      const table = page.getByRole('table', { name: t('en', 'funding-pledgers') });
      const row = plain(await table.getByRole('row', { name: /Association Beta/ }).innerText());
      assert.match(row, /€1,500\.00/);
    });
  });

  test('a treasurer reviews a delivery with the keyboard alone (fr)', async () => {
    await guard('a11y-keyboard-review', async () => {
      const { page } = await fresh('fr');
      await signIn(forge, page, 'fr', 'tess', PASSWORD);
      await page.goto(`${forge.url}/${REPO}/issues/${data.delivered}`);
      await tabTo(page, '#review-org');
      // Tess treasures both pledgers; Coopérative Alpha, which pledged
      // first, comes first.
      assert.equal(await page.locator('#review-org').inputValue(), 'coop-alpha');
      await page.keyboard.press('Tab');
      // The radio group is one stop, on the checked answer.
      assert.equal(await page.evaluate(() => document.activeElement.id), 'verdict-accept');
      assert.ok((await focusIndicator(page)).visible, 'the answer shows its focus');
      await page.keyboard.press('Space');
      assert.equal(await page.locator('#verdict-accept').isChecked(), true);
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'review-reason', 'answer, then reason');
      await page.keyboard.type('Conforme aux critères.');
      await page.keyboard.press('Shift+Tab');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'verdict-accept', 'Shift+Tab goes back to the answer');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      const button = await focusIndicator(page);
      assert.equal(button.tag, 'button');
      assert.ok(button.visible, `the submit button shows its focus (${button.outline})`);
      assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), t('fr', 'funding-review-submit'));
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Space')]);
      // Coopérative Alpha has accepted, with the reason typed; the goal
      // still waits for Association Beta.
      const goal = await api(forge, 'GET', `/api/v1/repos/${REPO}/issues/${data.delivered}/funding`);
      assert.deepEqual(goal.reviews.map((r) => [r.org, r.verdict, r.reason]), [['coop-alpha', 'accept', 'Conforme aux critères.']]);
      assert.equal(plain(await page.locator('.funding-state .badge').innerText()), t('fr', 'funding-state-delivered'));
    });
  });

  test('every stop of the issue page with its funding panel shows a focus indicator', async () => {
    await guard('a11y-focus-everywhere', async () => {
      const { page } = await visitor('mara', 'en');
      await page.goto(`${forge.url}/${REPO}/issues/${data.accepted}`);
      // Tab through the whole page, up to the footer's button.
      const stops = await tabTo(page, '.site-footer button', { max: 300 });
      // The order follows the page: skip link, header, main, footer; no
      // positive tabindex reorders it.
      assert.match(stops[0].element, /skip-link/);
      const rank = { body: 0, header: 1, main: 2, footer: 3 };
      const ranks = stops.map((s) => rank[s.landmark]);
      for (let i = 1; i < ranks.length; i += 1) {
        assert.ok(ranks[i] >= ranks[i - 1], `the focus went back from ${stops[i - 1].element} (${stops[i - 1].landmark}) to ${stops[i].element} (${stops[i].landmark})`);
      }
      assert.ok(ranks.includes(2), 'the main content has focusable controls');
      assert.equal(await page.locator('[tabindex]:not([tabindex="0"]):not([tabindex="-1"])').count(), 0, 'no positive tabindex');
      assert.ok(stops.every((s) => s.onScreen), `every stop is on screen: ${stops.filter((s) => !s.onScreen).map((s) => s.element).join(', ')}`);
    });
  });
});

// ---------------------------------------------------------------------------
// Form errors, the progress bar, the weight of a page.

/** Every field marked invalid names, in aria-describedby, a visible error. */
async function errorsTiedToFields(page) {
  const fields = await page.evaluate(() => [...document.querySelectorAll('[aria-invalid="true"]')].map((el) => {
    const ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    const described = ids.map((id) => document.getElementById(id));
    const error = described.find((d) => d && d.classList.contains('field-error'));
    return {
      field: el.id || el.name,
      label: el.labels?.[0]?.textContent.trim() ?? null,
      missing: ids.filter((id, i) => !described[i]),
      error: error ? error.textContent.trim() : null,
      errorVisible: error ? error.getBoundingClientRect().height > 0 : false,
    };
  }));
  assert.ok(fields.length > 0, 'no field is marked aria-invalid="true"');
  for (const f of fields) {
    assert.deepEqual(f.missing, [], `${f.field}: aria-describedby names missing elements`);
    assert.ok(f.label, `${f.field} has no label`);
    assert.ok(f.error, `${f.field} is invalid but no error message is tied to it`);
    assert.ok(f.errorVisible, `${f.field}: its error message is not visible`);
  }
  return fields;
}

describe('form errors are tied to their fields', () => {
  for (const lang of LANGS) {
    test(`sign-up with empty fields (${lang})`, async () => {
      await guard(`a11y-errors-signup-${lang}`, async () => {
        const { page } = await visitor('anonymous', lang);
        await page.goto(`${forge.url}/user/sign_up`);
        // The fields are checked on the server (the form is novalidate).
        await page.getByLabel(t(lang, 'field-username'), { exact: true }).fill('Not a name!');
        await page.getByLabel(t(lang, 'field-email'), { exact: true }).fill('not-an-address');
        await page.getByLabel(t(lang, 'field-password'), { exact: true }).fill('short');
        await page.getByLabel(t(lang, 'field-password-confirm'), { exact: true }).fill('short');
        await page.getByRole('button', { name: t(lang, 'sign-up-submit'), exact: true }).click();
        const fields = await errorsTiedToFields(page);
        console.log(`# sign-up (${lang}): fields marked invalid: ${fields.map((f) => `${f.field} (“${f.error}”)`).join(', ')}`);
        assert.equal(await page.getByRole('alert').count() >= 1, true, 'a summary is announced');
        // The username typed comes back as a valid one derived from it, and
        // what was typed is kept as the full name: nothing to type again.
        assert.equal(await page.getByLabel(t(lang, 'field-username'), { exact: true }).inputValue(), 'not-a-name');
        assert.equal(await page.getByLabel(t(lang, 'field-full-name'), { exact: true }).inputValue(), 'Not a name!');
      });
    });

    test(`a pledge with an unreadable amount (${lang})`, async () => {
      await guard(`a11y-errors-pledge-${lang}`, async () => {
        const { page } = await visitor('tess', lang);
        await page.goto(`${forge.url}/${REPO}/issues/${data.open}/funding`);
        const amount = page.getByLabel(t(lang, 'funding-pledge-amount', { currency: 'EUR' }), { exact: true });
        await amount.fill('12,34,56.7.8');
        await page.getByRole('button', { name: t(lang, 'funding-pledge-submit'), exact: true }).click();
        const fields = await errorsTiedToFields(page);
        assert.deepEqual(fields.map((f) => f.field), ['pledge-amount']);
        // The accessible description of the field carries the message.
        const description = await page.locator('#pledge-amount').evaluate((el) => el.getAttribute('aria-describedby'));
        assert.match(description, /pledge-amount-error/);
      });
    });

    test(`a funding goal without criteria (${lang})`, async () => {
      await guard(`a11y-errors-goal-${lang}`, async () => {
        const { page } = await visitor('mara', lang);
        await page.goto(`${forge.url}/${REPO}/issues/${data.unfunded}/funding`);
        const form = page.locator('#goal-form');
        // Filled enough for the browser to send it (the fields are
        // required), wrong enough for the server to refuse it.
        await form.getByLabel(t(lang, 'funding-budget'), { exact: true }).fill('-5');
        await form.getByLabel(t(lang, 'funding-deadline'), { exact: true }).fill('2020-01-01');
        await form.getByLabel(t(lang, 'funding-acceptance'), { exact: true }).fill('Dark colours everywhere.');
        await form.getByRole('button', { name: t(lang, 'funding-open-submit'), exact: true }).click();
        await errorsTiedToFields(page);
      });
    });
  }
});

describe('the funding progress bar', () => {
  for (const lang of LANGS) {
    test(`has a name and a text equivalent (${lang})`, async () => {
      await guard(`a11y-progress-${lang}`, async () => {
        const { page } = await visitor('anonymous', lang);
        await page.goto(`${forge.url}/${REPO}/issues/${data.open}/funding`);
        const bar = page.getByRole('progressbar', { name: t(lang, 'funding-progress'), exact: true });
        assert.equal(await bar.count(), 1, 'one progress bar, named by its label');
        const value = Number(await bar.getAttribute('value'));
        const goal = await api(forge, 'GET', `/api/v1/repos/${REPO}/issues/${data.open}/funding`);
        const described = await bar.evaluate((el) => (el.getAttribute('aria-describedby') || '').split(/\s+/)
          .map((id) => document.getElementById(id)?.textContent.trim() ?? '').join(' '));
        assert.ok(described.length > 10, 'the bar is described by a text');
        // The text says the same as the bar: pledged, budget and percentage.
        const text = plain(described);
        assert.match(text, new RegExp(`\\b${value}\\s*%`));
        assert.ok(text.includes(money(lang, goal.pledged_minor)), `${text} names the amount pledged, ${money(lang, goal.pledged_minor)}`);
        assert.ok(text.includes(money(lang, goal.budget_minor)), `${text} names the budget, ${money(lang, goal.budget_minor)}`);
        assert.equal(value, Math.min(100, Math.floor((goal.pledged_minor * 100) / goal.budget_minor)));
        // It is visible, not only read out.
        assert.ok(await page.getByText(described.trim(), { exact: true }).isVisible());
      });
    });
  }
});

describe('small pages', () => {
  test('an issue page with its funding panel weighs under 60 KB of HTML and CSS', async () => {
    await guard('a11y-weight', async () => {
      // As the heaviest reader: the maintainer, who sees every form.
      const { page } = await visitor('mara', 'fr');
      const route = `/${REPO}/issues/${data.open}`;
      const response = await page.goto(`${forge.url}${route}`);
      const html = await response.body();
      const panel = page.getByRole('region', { name: t('fr', 'funding-title'), exact: true });
      const embedded = await panel.count() === 1;
      let panelBytes = 0;
      if (!embedded) {
        // Until the issue page embeds the panel, count the panel as the
        // funding page renders it, for the figure printed below.
        const other = await page.context().newPage();
        await other.goto(`${forge.url}${route}/funding`);
        panelBytes = Buffer.byteLength(await other.locator('#funding').evaluate((el) => el.outerHTML));
        await other.close();
      }
      const sheets = await page.evaluate(() => [...document.querySelectorAll('link[rel=stylesheet]')].map((l) => l.href));
      let css = 0;
      const sizes = [];
      for (const href of sheets) {
        const body = await page.request.get(href).then((r) => r.body());
        css += body.length;
        sizes.push(`${new URL(href).pathname} ${body.length} B`);
      }
      const total = html.length + panelBytes + css;
      console.log(`# weight of ${route}: HTML ${html.length} B${embedded ? '' : ` + the panel from the funding page ${panelBytes} B`} + CSS ${css} B (${sizes.join(', ')}) = ${total} B`);
      assert.ok(total < WEIGHT_LIMIT, `${total} bytes of HTML and CSS, over ${WEIGHT_LIMIT}`);
      assert.ok(embedded, `the issue page ${route} does not show its funding panel`);
    });
  });
});
