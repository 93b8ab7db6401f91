// The funding scenario, end to end, through the pages in Chromium: two people
// sign up (one in French, one in English), each creates an organisation, one
// creates a repository and pushes to it with git, an issue is opened, the
// maintainer asks for funding, both organisations pledge, the goal is funded
// and the shares appear, a commit "Fixes #1" closes the issue, the
// maintainer declares the delivery, both organisations accept, the payments
// are recorded and the goal is settled.
//
// Fields are found by their labels and buttons by their names, in each
// person's language, as the catalogues spell them: a missing label fails the
// test. Only the pushes use the git command line. When a step fails, a
// screenshot of every open page is kept in tests/e2e/artifacts/.
//
// Runs on SQLite, and on PostgreSQL too when FORGE_TEST_DATABASE_URL names a
// server it may create databases on.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import {
  startForge, freshPostgres, launchBrowser, newVisitor, keepScreenshotsOnFailure,
  t, plain, money, textOf, workingCopy,
} from './support.mjs';

const PASSWORD_FR = 'motdepasse-amelie-42';
const PASSWORD_EN = 'password-brian-42';

function inDays(days) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

function scenario(engine) {
  describe(`the funding scenario through the pages (${engine})`, () => {
    let forge;
    let db;
    let browser;
    let amelie; // French: maintainer of amelie/agenda, owner of coop-lumiere
    let brian; // English: owner of open-assoc
    let code;
    let broken = null;
    const notes = [];
    const repo = 'amelie/agenda';
    const issueTitle = 'Export the agenda as iCalendar';

    before(async () => {
      if (engine === 'postgres') {
        db = await freshPostgres('scenario');
      }
      forge = await startForge({ databaseUrl: db?.url });
      browser = await launchBrowser();
      amelie = await newVisitor(browser, 'fr');
      brian = await newVisitor(browser, 'en');
      code = await workingCopy('agenda');
    });

    after(async () => {
      for (const note of notes) console.log(`# note: ${note}`);
      await browser?.close();
      await forge?.stop();
      await db?.drop();
      code?.remove();
    });

    // Each step runs only if the ones before it passed; a failing step keeps
    // screenshots of both people's pages.
    const step = (name, body) => test(name, async (tc) => {
      if (broken) {
        tc.skip(`an earlier step failed: ${broken}`);
        return;
      }
      try {
        await keepScreenshotsOnFailure(`${engine}-${name}`, () => [amelie.page, brian.page], body);
      } catch (error) {
        broken = name;
        throw error;
      }
    });

    /** The page's main landmark. */
    const main = (who) => who.page.getByRole('main');

    /**
     * The funding panel of issue 1 as `who` sees it: on the issue page when
     * the page embeds it, else on the issue's funding page (noted).
     */
    async function fundingPanel(who, { reload = true } = {}) {
      const { page, lang } = who;
      const issueUrl = `${forge.url}/${repo}/issues/1`;
      if (reload || !new URL(page.url()).pathname.startsWith(`/${repo}/issues/1`)) {
        await page.goto(issueUrl);
      }
      const panel = page.getByRole('region', { name: t(lang, 'funding-title'), exact: true });
      if (await panel.count() === 1) return panel;
      const note = 'the issue page does not show the funding panel yet: the scenario used the issue\'s funding page';
      if (!notes.includes(note)) notes.push(note);
      await page.goto(`${issueUrl}/funding`);
      await assert.doesNotReject(panel.waitFor(), 'no funding panel on the funding page');
      return panel;
    }

    async function goalState(who) {
      const panel = await fundingPanel(who);
      return textOf(panel.locator('.funding-state .badge'));
    }

    async function signUp(who, username, fullName, password) {
      const { page, lang } = who;
      await page.goto(forge.url);
      await main(who).getByRole('link', { name: t(lang, 'nav-sign-up'), exact: true }).click();
      await page.getByLabel(t(lang, 'field-username'), { exact: true }).fill(username);
      await page.getByLabel(t(lang, 'field-full-name'), { exact: true }).fill(fullName);
      await page.getByLabel(t(lang, 'field-email'), { exact: true }).fill(`${username}@example.org`);
      await page.getByLabel(t(lang, 'field-password'), { exact: true }).fill(password);
      await page.getByLabel(t(lang, 'field-password-confirm'), { exact: true }).fill(password);
      await page.getByRole('button', { name: t(lang, 'sign-up-submit'), exact: true }).click();
      // Sign-up answers the same whether or not the address was registered,
      // so it does not sign in: the sign-in page follows, with a notice.
      await page.getByRole('status').filter({ hasText: t(lang, 'sign-up-done') }).waitFor();
      await page.getByLabel(t(lang, 'login-login'), { exact: true }).fill(username);
      await page.getByLabel(t(lang, 'field-password'), { exact: true }).fill(password);
      await page.getByRole('button', { name: t(lang, 'login-submit'), exact: true }).click();
      await page.getByRole('heading', { level: 1, name: t(lang, 'home-welcome-user', { name: username }) }).waitFor();
      assert.equal(await page.locator('html').getAttribute('lang'), lang);
    }

    async function createOrg(who, name, fullName, kind) {
      const { page, lang } = who;
      await page.getByRole('navigation', { name: t(lang, 'nav-label') })
        .getByRole('link', { name: t(lang, 'nav-new-org'), exact: true }).click();
      await page.getByLabel(t(lang, 'org-field-name'), { exact: true }).fill(name);
      await page.getByLabel(t(lang, 'org-field-full-name'), { exact: true }).fill(fullName);
      await page.getByLabel(t(lang, 'org-field-kind'), { exact: true }).selectOption({ label: t(lang, `org-kind-${kind}`) });
      await page.getByRole('button', { name: t(lang, 'org-new-submit'), exact: true }).click();
      await page.waitForURL(`${forge.url}/${name}`);
      await page.getByRole('heading', { level: 1, name: new RegExp(fullName) }).waitFor();
      // The creator is the first owner, named in the members table.
      const members = main(who).getByRole('table', { name: t(lang, 'org-members') });
      await members.getByRole('row', { name: new RegExp(who === amelie ? 'amelie' : 'brian') }).waitFor();
    }

    async function pledge(who, org, amount) {
      const { page, lang } = who;
      const panel = await fundingPanel(who);
      const form = panel.locator('#pledge-form');
      await form.getByLabel(t(lang, 'funding-pledge-org'), { exact: true }).selectOption(org);
      await form.getByLabel(t(lang, 'funding-pledge-amount', { currency: 'EUR' }), { exact: true }).fill(amount);
      await form.getByRole('button', { name: t(lang, 'funding-pledge-submit'), exact: true }).click();
      await page.waitForURL((u) => u.hash === '#funding' || u.pathname.endsWith('/funding'));
    }

    async function review(who, org) {
      const { lang } = who;
      const panel = await fundingPanel(who);
      const form = panel.locator('#review-form');
      await form.getByLabel(t(lang, 'funding-review-org'), { exact: true }).selectOption(org);
      await form.getByRole('radio', { name: t(lang, 'funding-review-accept'), exact: true }).check();
      await form.getByRole('button', { name: t(lang, 'funding-review-submit'), exact: true }).click();
      await who.page.waitForURL((u) => u.hash === '#funding');
    }

    /** The row of `orgLabel` in the panel's pledge table, as text. */
    async function pledgeRow(who, orgLabel) {
      const panel = await fundingPanel(who);
      const table = panel.getByRole('table', { name: t(who.lang, 'funding-pledgers') });
      return textOf(table.getByRole('row', { name: new RegExp(orgLabel) }));
    }

    step('Amélie signs up in French and Brian in English', async () => {
      await signUp(amelie, 'amelie', 'Amélie Durand', PASSWORD_FR);
      await signUp(brian, 'brian', 'Brian Walsh', PASSWORD_EN);
    });

    step('each creates an organisation', async () => {
      await createOrg(amelie, 'coop-lumiere', 'Coopérative Lumière', 'cooperative');
      await createOrg(brian, 'open-assoc', 'Open Association', 'association');
    });

    step('Amélie creates a repository and pushes to it with git', async () => {
      const { page, lang } = amelie;
      await page.getByRole('navigation', { name: t(lang, 'nav-label') })
        .getByRole('link', { name: t(lang, 'nav-new-repo'), exact: true }).click();
      await page.getByLabel(t(lang, 'repo-field-owner'), { exact: true }).selectOption('amelie');
      await page.getByLabel(t(lang, 'repo-field-name'), { exact: true }).fill('agenda');
      await page.getByLabel(t(lang, 'repo-field-description'), { exact: true }).fill('Un agenda partagé pour les associations');
      await page.getByRole('button', { name: t(lang, 'repo-new-submit'), exact: true }).click();
      await page.waitForURL(`${forge.url}/${repo}`);

      code.write('README.md', '# Agenda\n\nA shared calendar for associations.\n');
      code.write('src/main.rs', 'fn main() {\n    println!("agenda");\n}\n');
      await code.commit('Initial commit');
      await code.push(forge, 'amelie', PASSWORD_FR, repo);

      await page.reload();
      await main(amelie).getByRole('link', { name: 'README.md', exact: true }).waitFor();
      await main(amelie).getByRole('link', { name: 'src', exact: true }).waitFor();
      assert.match(await textOf(main(amelie)), /A shared calendar for associations\./);
    });

    step('Brian finds the repository and opens an issue', async () => {
      const { page, lang } = brian;
      await page.goto(forge.url);
      await page.getByRole('searchbox', { name: t(lang, 'explore-search') }).first().fill('agenda');
      await page.getByRole('search').first().getByRole('button', { name: t(lang, 'explore-search-submit') }).click();
      await main(brian).getByRole('link', { name: repo, exact: true }).click();
      await page.waitForURL(`${forge.url}/${repo}`);
      await page.getByRole('navigation', { name: t(lang, 'code-repo-nav') })
        .getByRole('link', { name: new RegExp(`^${t(lang, 'issues-tab')}`) }).click();
      await main(brian).getByRole('link', { name: t(lang, 'issues-new-button'), exact: true }).first().click();
      await page.getByLabel(t(lang, 'issue-field-title'), { exact: true }).fill(issueTitle);
      await page.getByLabel(t(lang, 'issue-field-body'), { exact: true }).fill('Our members want the agenda in their calendar applications.');
      await page.getByRole('button', { name: t(lang, 'issue-new-submit'), exact: true }).click();
      await page.waitForURL(`${forge.url}/${repo}/issues/1`);
      const heading = await textOf(main(brian).getByRole('heading', { level: 2 }).filter({ hasText: issueTitle }));
      assert.match(heading, /#1/);
      assert.equal(await textOf(main(brian).locator('.issue-status .state-badge')), t('en', 'issue-state-open'));
    });

    step('Amélie, the maintainer, asks for funding in French', async () => {
      const { page, lang } = amelie;
      await page.goto(`${forge.url}/${repo}`);
      await page.getByRole('navigation', { name: t(lang, 'code-repo-nav') })
        .getByRole('link', { name: new RegExp(`^${t(lang, 'issues-tab')}`) }).click();
      await main(amelie).getByRole('link', { name: issueTitle, exact: true }).click();
      await page.waitForURL(`${forge.url}/${repo}/issues/1`);
      const panel = await fundingPanel(amelie, { reload: false });
      assert.match(await textOf(panel), new RegExp(escape(t(lang, 'funding-none'))));
      const form = panel.locator('#goal-form');
      await form.getByLabel(t(lang, 'funding-budget'), { exact: true }).fill('3 000,00');
      await form.getByLabel(t(lang, 'funding-currency'), { exact: true }).selectOption('EUR');
      await form.getByLabel(t(lang, 'funding-deadline'), { exact: true }).fill(inDays(30));
      await form.getByLabel(t(lang, 'funding-min-funders'), { exact: true }).fill('2');
      await form.getByLabel(t(lang, 'funding-acceptance'), { exact: true })
        .fill('- Un fichier `.ics` téléchargeable\n- Les événements récurrents sont exportés');
      await form.getByRole('button', { name: t(lang, 'funding-open-submit'), exact: true }).click();
      await page.waitForURL((u) => u.hash === '#funding');
      const open = await fundingPanel(amelie);
      assert.equal(await textOf(open.locator('.funding-state .badge')), t(lang, 'funding-state-open'));
      assert.match(await textOf(open.locator('.funding-figures')), new RegExp(escape(money('fr', 300000))));
    });

    step('an ambiguous amount is refused with an example, the typed value kept', async () => {
      const { page } = amelie;
      const panel = await fundingPanel(amelie);
      const form = panel.locator('#pledge-form');
      await form.getByLabel(t('fr', 'funding-pledge-org'), { exact: true }).selectOption('coop-lumiere');
      const label = t('fr', 'funding-pledge-amount', { currency: 'EUR' });
      await form.getByLabel(label, { exact: true }).fill('1234.50');
      await form.getByRole('button', { name: t('fr', 'funding-pledge-submit'), exact: true }).click();
      // The refusal is the page the form was posted to, not a redirect.
      await page.waitForURL((u) => u.pathname.endsWith('/funding/pledge'));
      const amount = page.locator('#pledge-form').getByLabel(label, { exact: true });
      assert.equal(await amount.inputValue(), '1234.50');
      assert.equal(await amount.getAttribute('aria-invalid'), 'true');
      assert.match(await textOf(page.locator('#pledge-amount-error')), /1 234,50/);
    });

    step('both organisations pledge, French and English amounts', async () => {
      await pledge(amelie, 'coop-lumiere', '1 234,50');
      // The page the form leads to confirms, for screen readers too.
      const confirmed = amelie.page.getByRole('status').filter({ hasText: t('fr', 'flash-pledge-recorded') });
      assert.equal(await confirmed.count(), 1, 'the pledge is confirmed on the page it leads to');
      assert.equal(await goalState(amelie), t('fr', 'funding-state-open'), 'one organisation of the two needed');
      assert.match(await pledgeRow(amelie, 'Coopérative Lumière'), new RegExp(escape(money('fr', 123450))));

      await pledge(brian, 'open-assoc', '2,469.00');
    });

    step('the goal is funded and the shares appear', async () => {
      assert.equal(await goalState(brian), t('en', 'funding-state-funded'));
      // 3 000 split in proportion to 1 234,50 and 2 469,00: a third each way.
      const coop = await pledgeRow(brian, 'Coopérative Lumière');
      const assoc = await pledgeRow(brian, 'Open Association');
      assert.match(coop, new RegExp(`${escape(money('en', 123450))}.*${escape(money('en', 100000))}`));
      assert.match(assoc, new RegExp(`${escape(money('en', 246900))}.*${escape(money('en', 200000))}`));
      assert.match(coop, new RegExp(escape(t('en', 'pledge-state-committed'))));
      // Amélie sees the same figures in French notation.
      assert.equal(await goalState(amelie), t('fr', 'funding-state-funded'));
      assert.match(await pledgeRow(amelie, 'Coopérative Lumière'), new RegExp(escape(money('fr', 100000))));
      assert.match(await pledgeRow(amelie, 'Open Association'), new RegExp(escape(money('fr', 200000))));
      // The progress bar says it in words too.
      const panel = await fundingPanel(amelie);
      assert.equal(await panel.getByRole('progressbar').getAttribute('value'), '100');
    });

    let fixCommit;
    step('a commit "Fixes #1" pushed with git closes the issue', async () => {
      code.write('src/ical.rs', 'pub fn export() -> String {\n    String::from("BEGIN:VCALENDAR")\n}\n');
      fixCommit = await code.commit('Export the agenda as iCalendar\n\nFixes #1');
      await code.push(forge, 'amelie', PASSWORD_FR, repo);
      const { page, lang } = brian;
      await page.goto(`${forge.url}/${repo}/issues/1`);
      assert.equal(await textOf(main(brian).locator('.issue-status .state-badge')), t(lang, 'issue-state-closed'));
      const timeline = main(brian).getByRole('region', { name: t(lang, 'issue-timeline-heading') });
      const event = timeline.getByRole('listitem').filter({ has: page.locator(`a[href$="/commit/${fixCommit}"]`) });
      assert.match(await textOf(event), /amelie/);
    });

    step('Amélie declares the delivery, the closing commit offered', async () => {
      const { page, lang } = amelie;
      const panel = await fundingPanel(amelie);
      const form = panel.locator('#deliver-form');
      assert.match(await textOf(form), new RegExp(escape(t(lang, 'funding-deliver-offered'))));
      const commits = form.getByLabel(t(lang, 'funding-deliver-commits'), { exact: true });
      assert.match(await commits.inputValue(), new RegExp(fixCommit.slice(0, 10)));
      await form.getByLabel(t(lang, 'funding-deliver-note'), { exact: true })
        .fill('L\'export iCalendar est livré dans `src/ical.rs`.');
      await form.getByRole('button', { name: t(lang, 'funding-deliver-submit'), exact: true }).click();
      await page.waitForURL((u) => u.hash === '#funding');
      assert.equal(await goalState(amelie), t(lang, 'funding-state-delivered'));
    });

    step('both organisations accept the delivery', async () => {
      await review(amelie, 'coop-lumiere');
      assert.equal(await goalState(amelie), t('fr', 'funding-state-delivered'), 'one review of two');
      await review(brian, 'open-assoc');
      assert.equal(await goalState(brian), t('en', 'funding-state-accepted'));
      assert.match(await pledgeRow(brian, 'Open Association'), new RegExp(escape(t('en', 'pledge-state-due'))));
    });

    step('Amélie records both payments and the goal is settled', async () => {
      const { page, lang } = amelie;
      for (const [label, amount, reference] of [
        ['Coopérative Lumière', '1 000,00', 'VIR-2026-0001'],
        ['Open Association', '2 000,00', 'VIR-2026-0002'],
      ]) {
        const panel = await fundingPanel(amelie);
        const form = panel.locator('form').filter({ hasText: label })
          .filter({ has: page.getByRole('button', { name: t(lang, 'funding-payment-submit') }) });
        await form.getByLabel(t(lang, 'funding-payment-amount', { currency: 'EUR' }), { exact: true }).fill(amount);
        await form.getByLabel(t(lang, 'funding-payment-reference'), { exact: true }).fill(reference);
        await form.getByRole('button', { name: t(lang, 'funding-payment-submit'), exact: true }).click();
        await page.waitForURL((u) => u.hash === '#funding');
      }
      assert.equal(await goalState(amelie), t(lang, 'funding-state-settled'));
      const panel = await fundingPanel(brian);
      const figures = await textOf(panel.locator('.funding-figures'));
      assert.match(figures, new RegExp(`${escape(t('en', 'funding-paid'))}\\s*${escape(money('en', 300000))}`));
      assert.match(await pledgeRow(brian, 'Open Association'), new RegExp(escape(t('en', 'pledge-state-paid'))));
      assert.equal(await goalState(brian), t('en', 'funding-state-settled'));
    });

    step('Amélie, treasurer of Coopérative Lumière, downloads its call for funds and its receipt', async () => {
      const { page, lang } = amelie;
      const panel = await fundingPanel(amelie);
      const documents = panel.getByRole('table', { name: t(lang, 'doc-list-title') });
      // Calls are numbered when the delivery is accepted (Coopérative
      // Lumière pledged first), receipts when payments are recorded.
      for (const [title, amount] of [
        [t(lang, 'doc-call-title', { number: '000001' }), money(lang, 100000)],
        [t(lang, 'doc-receipt-title', { number: '000003' }), money(lang, 100000)],
      ]) {
        const row = documents.getByRole('row', { name: new RegExp(escape(title)) });
        assert.match(plain(await row.innerText()), /AMELIE-000001/);
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          row.getByRole('link', { name: t(lang, 'doc-download-pdf'), exact: true }).click(),
        ]);
        const file = await download.path();
        const bytes = fs.readFileSync(file);
        assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
        let text = null;
        try {
          text = plain(execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-']).toString('utf8'));
        } catch (e) {
          notes.push(`pdftotext could not read the PDF (${e.message}): only its header was checked`);
        }
        if (text !== null) {
          for (const expected of [plain(title), plain(amount), 'AMELIE-000001', 'Coopérative Lumière']) {
            assert.match(text, new RegExp(escape(expected)), `${expected} in the PDF`);
          }
        }
        // The printable page says the same.
        await row.getByRole('link', { name: t(lang, 'doc-view'), exact: true }).click();
        assert.equal(plain(await textOf(main(amelie).getByRole('heading', { level: 1 }))), plain(title));
        assert.match(plain(await textOf(main(amelie))), new RegExp(escape(plain(amount))));
        await page.goBack();
      }
    });

    step('the organisation\'s pledges page shows what it paid', async () => {
      const { page, lang } = brian;
      await page.goto(`${forge.url}/open-assoc`);
      await main(brian).getByRole('link', { name: t(lang, 'nav-pledges'), exact: true }).click();
      const list = main(brian).getByRole('table', { name: t(lang, 'funding-org-list') });
      const row = plain(await list.getByRole('row', { name: new RegExp(`${repo}#1`) }).innerText());
      assert.match(row, new RegExp(`${escape(money('en', 246900))}.*${escape(money('en', 200000))}.*${escape(money('en', 200000))}`));
      assert.match(row, new RegExp(escape(t(lang, 'funding-state-settled'))));
    });
  });
}

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

scenario('sqlite');
if (process.env.FORGE_TEST_DATABASE_URL) scenario('postgres');
