// What the browser tests share: the forge under test (the real binary on a
// fresh data folder), the French and English catalogues, the JSON API, the
// git command line, Debian's chromium driven by playwright-core, axe-core,
// and screenshots kept when a test fails.

import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '../..');
export const ARTIFACTS = path.join(HERE, 'artifacts');

/** The forge binary: FORGE_BIN, else the debug build in CARGO_TARGET_DIR. */
export function forgeBin() {
  if (process.env.FORGE_BIN) return process.env.FORGE_BIN;
  const target = process.env.CARGO_TARGET_DIR || path.join(os.homedir(), '.cache/forge/target');
  return path.join(target, 'debug/forge');
}

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

// ---------------------------------------------------------------------------
// The forge.

/**
 * Starts `forge serve` on 127.0.0.1, a free port, and a fresh data folder
 * (SQLite), or on `databaseUrl` when given. Resolves once the forge prints
 * the address it listens on.
 */
export async function startForge({ databaseUrl } = {}) {
  const bin = forgeBin();
  if (!fs.existsSync(bin)) {
    throw new Error(`The forge binary ${bin} is missing: run cargo build -p forge-server (or set FORGE_BIN).`);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forge-e2e-'));
  const dbArgs = databaseUrl ? ['--database-url', databaseUrl] : [];
  const args = ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, ...dbArgs];
  const env = { ...process.env, FORGE_LOG: process.env.FORGE_LOG || 'warn' };
  delete env.FORGE_CONFIG;
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const remember = (chunk) => {
    log += chunk;
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stderr.on('data', remember);
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the forge did not start in 30 s:\n${out}${log}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      remember(chunk);
      const found = /Forge is listening on (http:\/\/[^\s]+)/.exec(out);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the forge stopped (exit ${code}) before listening:\n${out}${log}`));
    });
  });
  const forge = {
    url,
    addr: new URL(url).host,
    dataDir,
    databaseUrl,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
    /** `forge admin create-user`, on the same data as the running server. */
    async createUser({ username, email, password, admin = false }) {
      const cli = ['admin', 'create-user', '--data-dir', dataDir, ...dbArgs,
        '--username', username, '--email', email, '--password', password];
      if (admin) cli.push('--admin');
      await run(bin, cli, { env });
    },
  };
  return forge;
}

/**
 * A fresh PostgreSQL database on the server FORGE_TEST_DATABASE_URL names,
 * or null when that variable is not set. `drop()` removes it.
 */
export async function freshPostgres(tag) {
  const base = process.env.FORGE_TEST_DATABASE_URL;
  if (!base) return null;
  const name = `forge_e2e_${tag}_${process.pid}_${Date.now() % 1e6}`;
  await run('psql', ['-X', '-w', '-q', '-v', 'ON_ERROR_STOP=1', base, '-c', `create database ${name}`]);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await run('psql', ['-X', '-w', '-q', base, '-c', `drop database if exists ${name} with (force)`]).catch(() => {});
    },
  };
}

// ---------------------------------------------------------------------------
// The catalogues: labels and messages as the pages show them, so the tests
// find fields by their visible labels in either language.

const catalogues = {};

function loadCatalogue(lang) {
  const dir = path.join(ROOT, 'forge-web/locales', lang);
  const messages = new Map();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ftl')).sort()) {
    let key = null;
    for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      const start = /^([a-zA-Z][\w-]*)\s*=\s?(.*)$/.exec(line);
      if (start) {
        key = start[1];
        messages.set(key, start[2]);
      } else if (key && /^\s+\S/.test(line)) {
        messages.set(key, `${messages.get(key)}\n${line.trim()}`.trim());
      } else {
        key = null;
      }
    }
  }
  return messages;
}

/** The message `key` in `lang` ("en" or "fr"), with `{ $name }` filled in. */
export function t(lang, key, args = {}) {
  catalogues[lang] ??= loadCatalogue(lang);
  const text = catalogues[lang].get(key);
  if (text === undefined) throw new Error(`no message ${key} in the ${lang} catalogue`);
  return text.replace(/\{\s*\$(\w+)\s*\}/g, (_, name) => {
    if (!(name in args)) throw new Error(`message ${key} needs $${name}`);
    return String(args[name]);
  });
}

/** Spaces as the pages print them (no-break, narrow) become plain spaces. */
export function plain(text) {
  return String(text).replace(/[\u00a0\u202f]/g, ' ').replace(/[ \t]+/g, ' ');
}

/** An amount as the pages show it: "1 234,50 €" or "€1,234.50". */
export function money(lang, minor, currency = 'EUR') {
  const sign = { EUR: '€', USD: '$', GBP: '£' }[currency];
  const negative = minor < 0;
  const abs = Math.abs(minor);
  const whole = String(Math.floor(abs / 100));
  const cents = String(abs % 100).padStart(2, '0');
  const group = lang === 'fr' ? ' ' : ',';
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  const number = `${negative ? '-' : ''}${grouped}${lang === 'fr' ? ',' : '.'}${cents}`;
  if (lang === 'fr') return `${number} ${sign ?? currency}`;
  return sign ? `${negative ? '-' : ''}${sign}${number.replace('-', '')}` : `${currency} ${number}`;
}

// ---------------------------------------------------------------------------
// The JSON API.

export async function api(forge, method, route, { token, basic, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `token ${token}`;
  if (basic) h.authorization = `Basic ${Buffer.from(`${basic[0]}:${basic[1]}`).toString('base64')}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  const response = await fetch(new URL(route, forge.url), {
    method,
    headers: h,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: kept as text.
  }
  if (!response.ok) {
    throw new Error(`${method} ${route} answered ${response.status}: ${text.slice(0, 500)}`);
  }
  return json ?? text;
}

/** A personal access token for `username`, asked with the password. */
export async function tokenFor(forge, username, password) {
  const made = await api(forge, 'POST', `/api/v1/users/${username}/tokens`, {
    basic: [username, password],
    body: { name: `e2e-${Date.now()}` },
  });
  return made.sha1;
}

// ---------------------------------------------------------------------------
// git.

// No prompt for a password, no system or user configuration.
const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };

export async function git(cwd, ...args) {
  const { stdout } = await run('git', ['-c', 'init.defaultBranch=main', '-c', 'protocol.version=2', ...args], {
    cwd,
    env: { ...gitEnv, HOME: cwd },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim();
}

/** A working copy with its author set; files are written with `write`. */
export async function workingCopy(name = 'repo') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `forge-e2e-${name}-`));
  await git(dir, 'init', '-q');
  await git(dir, 'config', 'user.name', 'E2E Tester');
  await git(dir, 'config', 'user.email', 'e2e@example.org');
  await git(dir, 'config', 'commit.gpgsign', 'false');
  return {
    dir,
    write(file, text) {
      const full = path.join(dir, file);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, text);
    },
    async commit(message) {
      await git(dir, 'add', '-A');
      await git(dir, 'commit', '-q', '-m', message);
      return git(dir, 'rev-parse', 'HEAD');
    },
    /** `git push http://user:password@ADDR/owner/repo.git main`. */
    async push(forge, user, password, fullName, branch = 'main') {
      const remote = `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${forge.addr}/${fullName}.git`;
      await git(dir, 'push', '-q', remote, `${branch}:${branch}`);
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------
// The browser.

/**
 * Debian's chromium through playwright-core: headless, without a sandbox (we
 * run as root), without any of the background traffic a closed network
 * would choke on; playwright gives it a fresh profile of its own.
 */
export async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** A browser context (own cookies) speaking `lang`. */
export async function newVisitor(browser, lang) {
  const context = await browser.newContext({
    locale: lang === 'fr' ? 'fr-FR' : 'en-GB',
    extraHTTPHeaders: { 'Accept-Language': lang === 'fr' ? 'fr-FR,fr;q=0.9' : 'en-GB,en;q=0.9' },
    viewport: { width: 1280, height: 900 },
    colorScheme: 'light',
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  return { context, page, lang };
}

/** Signs `username` in through the sign-in page. */
export async function signIn(forge, page, lang, username, password) {
  await page.goto(`${forge.url}/user/login`);
  await page.getByLabel(t(lang, 'login-login'), { exact: true }).fill(username);
  await page.getByLabel(t(lang, 'field-password'), { exact: true }).fill(password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/user/login')),
    page.getByRole('button', { name: t(lang, 'login-submit'), exact: true }).click(),
  ]);
}

/** The visible text of `locator`, with plain spaces. */
export async function textOf(locator) {
  return plain(await locator.innerText());
}

// ---------------------------------------------------------------------------
// Screenshots of the open pages when a test fails.

export function safeName(text) {
  return text.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80);
}

/**
 * Runs `body`; if it throws, keeps a full-page screenshot (and the HTML) of
 * each page `pages()` names in tests/e2e/artifacts/, prints their paths, and
 * throws again.
 */
export async function keepScreenshotsOnFailure(name, pages, body) {
  try {
    return await body();
  } catch (error) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    let n = 0;
    for (const page of pages()) {
      if (page.isClosed()) continue;
      {
        n += 1;
        const base = path.join(ARTIFACTS, `${safeName(name)}-${stamp}-${n}`);
        try {
          await page.screenshot({ path: `${base}.png`, fullPage: true, timeout: 10_000 });
          fs.writeFileSync(`${base}.html`, await page.content());
          console.error(`# screenshot kept: ${path.relative(process.cwd(), `${base}.png`)} (${page.url()})`);
        } catch (shotError) {
          console.error(`# no screenshot of ${page.url()}: ${shotError.message}`);
        }
      }
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------
// axe-core.

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core on the page with the WCAG 2.1 A and AA rules. The script is
 * evaluated through the DevTools protocol, which the page's content security
 * policy does not restrict.
 */
export async function axe(page) {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations', 'incomplete'],
    });
    const slim = (list) => list.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary, html: n.html })),
    }));
    return {
      violations: slim(result.violations),
      incomplete: slim(result.incomplete),
      passed: result.passes.length,
      version: window.axe.version,
    };
  }, WCAG_TAGS);
}

/** Violations as lines a person can read. */
export function describeViolations(violations) {
  const lines = [];
  for (const v of violations) {
    lines.push(`  ${v.id} (${v.impact}): ${v.help}`);
    lines.push(`    ${v.helpUrl}`);
    for (const node of v.nodes.slice(0, 8)) {
      lines.push(`    - ${node.target}`);
      if (node.summary) lines.push(`      ${node.summary.replace(/\n\s*/g, ' | ').slice(0, 300)}`);
    }
    if (v.nodes.length > 8) lines.push(`    … and ${v.nodes.length - 8} more`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------
// Keyboard.

/**
 * Whether the focused element shows a focus indicator: an outline of at
 * least 2px that is not transparent, or a box shadow.
 */
export async function focusIndicator(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { element: null, visible: false };
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2
      && !/rgba\(\s*0,\s*0,\s*0,\s*0\s*\)|transparent/.test(style.outlineColor);
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    const box = el.getBoundingClientRect();
    const describe = el.id ? `${el.tagName.toLowerCase()}#${el.id}`
      : `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''}`
        + `[${(el.textContent || el.getAttribute('name') || '').trim().slice(0, 40)}]`;
    return {
      element: describe,
      id: el.id,
      tag: el.tagName.toLowerCase(),
      visible: Boolean(outline || shadow),
      onScreen: box.width > 0 && box.height > 0,
      landmark: el.closest('header, main, footer')?.tagName.toLowerCase() ?? 'body',
      outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
      shadow: style.boxShadow,
    };
  });
}

/**
 * Presses Tab (or Shift+Tab) until the focused element matches `selector`,
 * checking at each stop that the focus is visible. Returns the stops.
 */
export async function tabTo(page, selector, { back = false, max = 150 } = {}) {
  const stops = [];
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const focus = await focusIndicator(page);
    stops.push(focus);
    if (focus.element && !focus.visible) {
      throw new Error(`no visible focus indicator on ${focus.element} (outline: ${focus.outline}; box-shadow: ${focus.shadow})`);
    }
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return stops;
  }
  throw new Error(`${selector} was not reached with ${max} presses of ${back ? 'Shift+Tab' : 'Tab'}: ${stops.map((s) => s.element).join(' → ')}`);
}
