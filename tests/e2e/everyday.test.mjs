// Everyday use in Chromium, as a French newcomer without technical
// background would go about it: signing up with a name that is not a valid
// user name, finding every setting from one menu, changing the language and
// the password, previewing an issue before opening it, reading rendered
// Markdown comfortably in light and dark schemes, and reading tables of
// records on a 390-pixel phone screen without sideways scrolling.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startForge, launchBrowser, newVisitor, keepScreenshotsOnFailure, api, tokenFor, t,
} from './support.mjs';

const PASSWORD = 'motdepasse-camille-42';
const NEW_PASSWORD = 'un-nouveau-mot-de-passe';

let forge;
let browser;
let camille;

before(async () => {
  forge = await startForge();
  browser = await launchBrowser();
  camille = await newVisitor(browser, 'fr');
});

after(async () => {
  await browser?.close();
  await forge?.stop();
});

const step = (name, body) => test(name, () => keepScreenshotsOnFailure(`everyday-${name}`, () => [camille.page], body));

step('sign-up suggests a valid user name and keeps what was typed', async () => {
  const { page } = camille;
  await page.goto(`${forge.url}/user/sign_up`);
  await page.getByLabel(t('fr', 'field-username'), { exact: true }).fill('Camille Martin');
  await page.getByLabel(t('fr', 'field-email'), { exact: true }).fill('camille@example.org');
  await page.getByLabel(t('fr', 'field-password'), { exact: true }).fill(PASSWORD);
  await page.getByLabel(t('fr', 'field-password-confirm'), { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: t('fr', 'sign-up-submit'), exact: true }).click();
  await page.getByRole('alert').waitFor();
  const username = page.getByLabel(t('fr', 'field-username'), { exact: true });
  assert.equal(await username.inputValue(), 'camille-martin');
  assert.equal(await page.getByLabel(t('fr', 'field-full-name'), { exact: true }).inputValue(), 'Camille Martin');
  assert.equal(await page.getByLabel(t('fr', 'field-email'), { exact: true }).inputValue(), 'camille@example.org');
  const said = await page.locator('#username-error').textContent();
  assert.ok(said.includes(t('fr', 'sign-up-username-suggested', { name: 'camille-martin' })), said);

  await page.getByLabel(t('fr', 'field-password'), { exact: true }).fill(PASSWORD);
  await page.getByLabel(t('fr', 'field-password-confirm'), { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: t('fr', 'sign-up-submit'), exact: true }).click();
  // Sign-up does not tell whether an address is registered, so it does not
  // sign in: the sign-in page follows.
  await page.getByRole('status').filter({ hasText: t('fr', 'sign-up-done') }).waitFor();
  await page.getByLabel(t('fr', 'login-login'), { exact: true }).fill('camille-martin');
  await page.getByLabel(t('fr', 'field-password'), { exact: true }).fill(PASSWORD);
  await Promise.all([
    page.waitForURL(`${forge.url}/`),
    page.getByRole('button', { name: t('fr', 'login-submit'), exact: true }).click(),
  ]);
});

step('every setting is one menu away, and the language follows the profile', async () => {
  const { page } = camille;
  await page.getByRole('link', { name: t('fr', 'nav-settings'), exact: true }).click();
  await page.waitForURL(`${forge.url}/user/settings`);
  const menu = page.getByRole('navigation', { name: t('fr', 'settings-menu') });
  for (const key of ['settings-profile', 'settings-account', 'auth-identities-title', 'tokens-title']) {
    assert.equal(await menu.getByRole('link', { name: t('fr', key), exact: true }).count(), 1, key);
  }
  assert.equal(await menu.locator('[aria-current="page"]').textContent(), t('fr', 'settings-profile'));

  await page.getByLabel(t('fr', 'settings-language'), { exact: true }).selectOption('en');
  await page.getByRole('button', { name: t('fr', 'settings-save-profile'), exact: true }).click();
  await page.getByRole('status').filter({ hasText: t('en', 'settings-saved-profile') }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');

  await page.getByLabel(t('en', 'settings-language'), { exact: true }).selectOption('fr');
  await page.getByRole('button', { name: t('en', 'settings-save-profile'), exact: true }).click();
  await page.getByRole('status').filter({ hasText: t('fr', 'settings-saved-profile') }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
});

step('the password changes with the current one', async () => {
  const { page } = camille;
  const menu = page.getByRole('navigation', { name: t('fr', 'settings-menu') });
  await menu.getByRole('link', { name: t('fr', 'settings-account'), exact: true }).click();
  const form = page.locator('form[action="/user/settings/account/password"]');
  await form.getByLabel(t('fr', 'settings-current-password'), { exact: true }).fill(PASSWORD);
  await form.getByLabel(t('fr', 'settings-new-password'), { exact: true }).fill(NEW_PASSWORD);
  await form.getByLabel(t('fr', 'field-password-confirm'), { exact: true }).fill(NEW_PASSWORD);
  await form.getByRole('button', { name: t('fr', 'settings-password-submit'), exact: true }).click();
  await page.getByRole('status').filter({ hasText: t('fr', 'settings-saved-password') }).waitFor();
  // The new password is the one that works now.
  assert.ok(await tokenFor(forge, 'camille-martin', NEW_PASSWORD));
});

step('an issue is previewed on its form, then opened; its Markdown reads comfortably', async () => {
  const token = await tokenFor(forge, 'camille-martin', NEW_PASSWORD);
  await api(forge, 'POST', '/api/v1/user/repos', { token, body: { name: 'agenda' } });
  const { page } = camille;
  await page.goto(`${forge.url}/camille-martin/agenda/issues/new`);
  const body = '# Besoin\n\nUn export.\n\n## Détails\n\n### Format\n\n#### Encodage\n\n> Une citation d’un adhérent.\n\nFin.';
  await page.getByLabel(t('fr', 'issue-field-title'), { exact: true }).fill('Exporter l’agenda');
  await page.getByLabel(t('fr', 'issue-field-body'), { exact: true }).fill(body);
  await page.getByRole('button', { name: t('fr', 'issue-preview'), exact: true }).click();
  const preview = page.locator('.preview .markdown');
  await preview.waitFor();
  assert.equal(await preview.locator('blockquote').count(), 1);
  assert.equal(await page.getByLabel(t('fr', 'issue-field-title'), { exact: true }).inputValue(), 'Exporter l’agenda');
  await Promise.all([
    page.waitForURL(/\/issues\/1$/),
    page.getByRole('button', { name: t('fr', 'issue-new-submit'), exact: true }).click(),
  ]);

  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    const looks = await page.evaluate(() => {
      const px = (el) => parseFloat(getComputedStyle(el).fontSize);
      const text = document.querySelector('.markdown p');
      const headings = [...document.querySelectorAll('.markdown :is(h1, h2, h3, h4, h5, h6)')]
        .map((h) => ({ tag: h.tagName, size: px(h) }));
      const quote = getComputedStyle(document.querySelector('.markdown blockquote'));
      return {
        body: px(text),
        headings,
        quoteBorder: parseFloat(quote.borderLeftWidth),
        quoteBackground: quote.backgroundColor,
        page: getComputedStyle(document.body).backgroundColor,
      };
    });
    assert.equal(looks.headings.length, 4, JSON.stringify(looks));
    for (const h of looks.headings) {
      assert.ok(h.size >= looks.body, `${scheme}: a ${h.tag} of ${h.size}px is smaller than the ${looks.body}px text`);
    }
    const sizes = looks.headings.map((h) => h.size);
    assert.deepEqual([...sizes].sort((a, b) => b - a), sizes, `${scheme}: headings shrink with depth: ${sizes}`);
    assert.ok(sizes[0] > looks.body * 1.2, `${scheme}: the first heading stands out: ${sizes[0]}`);
    assert.ok(looks.quoteBorder >= 3, `${scheme}: a block quote has a rule on its side`);
    assert.notEqual(looks.quoteBackground, looks.page, `${scheme}: a block quote has a background of its own`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
});

step('on a 390-pixel phone, tables of records become cards with every column', async () => {
  const { page } = camille;
  await page.goto(`${forge.url}/user/settings/tokens`);
  await page.getByLabel(t('fr', 'tokens-name'), { exact: true }).fill('tableur du trésorier');
  await page.getByRole('button', { name: t('fr', 'tokens-generate'), exact: true }).click();
  await page.getByRole('status').filter({ hasText: t('fr', 'tokens-created') }).waitFor();
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await page.reload();
    const seen = await page.evaluate(() => {
      const table = document.querySelector('table.stack');
      const cells = [...table.querySelectorAll('tbody tr:first-child > td')];
      return {
        width: table.getBoundingClientRect().right,
        scroll: document.documentElement.scrollWidth,
        viewport: document.documentElement.clientWidth,
        labels: cells.map((c) => getComputedStyle(c, '::before').content),
        hidden: cells.filter((c) => c.getBoundingClientRect().width === 0).length,
      };
    });
    assert.ok(seen.width <= seen.viewport && seen.scroll <= seen.viewport, JSON.stringify(seen));
    assert.equal(seen.hidden, 0, 'no cell is hidden');
    for (const key of ['tokens-name', 'tokens-ends-with', 'tokens-created-on', 'tokens-last-used']) {
      assert.ok(seen.labels.some((l) => l.includes(t('fr', key))), `the column ${t('fr', key)} is named: ${seen.labels}`);
    }
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
  }
});

step('French words: git tags are « Tags », issue labels « Libellés »', async () => {
  const { page } = camille;
  await page.goto(`${forge.url}/camille-martin/agenda/issues`);
  const nav = await page.locator('main').textContent();
  assert.ok(nav.includes(t('fr', 'code-tab-tags')), 'the tags tab');
  assert.equal(t('fr', 'code-tab-tags'), 'Tags');
  assert.ok(nav.includes(t('fr', 'issues-subnav-labels')), 'the labels link');
  assert.ok(!/[ÉE]tiquette/.test(nav), 'no « étiquette » left to confuse readers');
});

step('a copy button copies the clone address with JavaScript; without it the address stays selectable', async () => {
  const { page, context } = camille;
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: forge.url });
  await page.goto(`${forge.url}/camille-martin/agenda`);
  const field = page.getByLabel(t('fr', 'code-clone-label'), { exact: true });
  const address = await field.inputValue();
  assert.ok(address.endsWith('/camille-martin/agenda.git'), address);
  const button = page.getByRole('button', { name: t('fr', 'copy-button'), exact: true });
  await button.click();
  await page.getByRole('button', { name: t('fr', 'copy-done'), exact: true }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), address);

  const noScript = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR', extraHTTPHeaders: { 'Accept-Language': 'fr-FR' } });
  try {
    const bare = await noScript.newPage();
    await bare.goto(`${forge.url}/camille-martin/agenda`);
    assert.equal(await bare.getByRole('button', { name: t('fr', 'copy-button'), exact: true }).count(), 0);
    const plainField = bare.getByLabel(t('fr', 'code-clone-label'), { exact: true });
    assert.equal(await plainField.inputValue(), address);
    assert.equal(await plainField.getAttribute('readonly'), '');
  } finally {
    await noScript.close();
  }
});

step('creating an organisation and a repository through the pages is confirmed once', async () => {
  const { page } = camille;
  await page.goto(`${forge.url}/org/create`);
  await page.getByLabel(t('fr', 'org-field-name'), { exact: true }).fill('coop-camille');
  await Promise.all([
    page.waitForURL(`${forge.url}/coop-camille`),
    page.getByRole('button', { name: t('fr', 'org-new-submit'), exact: true }).click(),
  ]);
  await page.getByRole('status').filter({ hasText: t('fr', 'flash-org-created') }).waitFor();
  await page.reload();
  assert.equal(await page.getByRole('status').filter({ hasText: t('fr', 'flash-org-created') }).count(), 0, 'shown once');

  await page.goto(`${forge.url}/repo/create?owner=coop-camille`);
  await page.getByLabel(t('fr', 'repo-field-name'), { exact: true }).fill('outils');
  await Promise.all([
    page.waitForURL(`${forge.url}/coop-camille/outils`),
    page.getByRole('button', { name: t('fr', 'repo-new-submit'), exact: true }).click(),
  ]);
  await page.getByRole('status').filter({ hasText: t('fr', 'flash-repo-created') }).waitFor();
});
