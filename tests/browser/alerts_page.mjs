// SPDX-License-Identifier: Apache-2.0
// alerts_page.mjs - drives the Alerts page in headless Chromium (Debian's /usr/bin/chromium via
// playwright-core) against a running `ward serve`, and compares what the page shows with what
// the API answers. Prints TAP-ish "ok - ..." / "not ok - ..." lines.
//
// env: WARD_URL (http://127.0.0.1:PORT), WARD_TOKEN, WARD_ARTIFACTS (screenshots, downloads),
//      WARD_PROFILE (a new, empty --user-data-dir)
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const BASE = process.env.WARD_URL;
const TOKEN = process.env.WARD_TOKEN;
const ART = process.env.WARD_ARTIFACTS;
const PROFILE = process.env.WARD_PROFILE;
let failures = 0;
const ok = (what) => console.log(`ok - ${what}`);
const nok = (what, why) => { failures++; console.log(`not ok - ${what}${why ? ` (${why})` : ''}`); };
const check = (what, cond, why) => (cond ? ok(what) : nok(what, why));

async function api(pathAndQuery) {
	const res = await fetch(`${BASE}${pathAndQuery}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
	if (!res.ok) throw new Error(`${pathAndQuery}: ${res.status}`);
	return res.json();
}

// wait until the page finished the load started after @before (body[data-loaded] > before)
async function loaded(page, before) {
	await page.waitForFunction((b) => Number(document.body.dataset.loaded || 0) > b, before, { timeout: 10000 });
}
const loadSeq = (page) => page.evaluate(() => Number(document.body.dataset.loaded || 0));
const column = (page, field) => page.$$eval(`#records tbody td[data-field="${field}"]`,
	(tds) => tds.map((td) => (td.querySelector('.v') ? td.querySelector('.v').textContent : td.textContent)));

const ctx = await chromium.launchPersistentContext(PROFILE, {
	executablePath: '/usr/bin/chromium',
	headless: true,
	acceptDownloads: true,
	viewport: { width: 1600, height: 1000 },
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = ctx.pages()[0] || await ctx.newPage();
const consoleErrors = [];
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', (e) => consoleErrors.push(String(e)));

try {
	// ---- first load: real records, token from the fragment --------------------------------
	const t0 = Date.now();
	await page.goto(`${BASE}/#token=${encodeURIComponent(TOKEN)}`);
	await loaded(page, 0);
	await page.waitForSelector('#records tbody tr');
	const firstPageMs = Date.now() - t0;
	console.log(`# first page rendered in ${firstPageMs} ms`);
	const apiFirst = await api('/api/v1/records?limit=100');
	const rows = await page.$$eval('#records tbody tr', (t) => t.length);
	check('the page loads the newest page of real records', rows === apiFirst.records.length,
		`${rows} rows, API ${apiFirst.records.length}`);
	const hosts = await column(page, 'HostName');
	check('the table shows the records newest first as the API does',
		JSON.stringify(hosts.slice(0, 20)) === JSON.stringify(apiFirst.records.slice(0, 20).map((r) => r.HostName || '')));
	check('the token fragment is removed from the address bar', !page.url().includes('token='), page.url());
	// the 1 s figure is measured on 10M records by bench/server_page.sh; here only a sanity bound
	check('the first page renders within 5 s', firstPageMs <= 5000, `${firstPageMs} ms`);
	await page.screenshot({ path: path.join(ART, 'alerts-page.png'), fullPage: false });

	// ---- histogram and top-N --------------------------------------------------------------
	const bars = await page.$$eval('#histogram rect.bar', (r) => r.length);
	check('the histogram draws bars', bars > 0, `${bars} bars`);
	const histTotal = await page.$eval('#hist-info', (e) => Number(e.textContent.split(' ')[0].replace(/[^0-9]/g, '')));
	const apiTotal = (await api('/api/v1/histogram?interval=1d')).buckets.reduce((a, b) => a + b.count, 0);
	check('the histogram total equals the number of records', histTotal === apiTotal, `${histTotal} vs ${apiTotal}`);
	const topItems = await page.$$eval('#top-list li', (l) => l.length);
	check('the top-N list shows values', topItems > 0);

	// ---- a filter typed into the bar narrows the table -------------------------------------
	let before = await loadSeq(page);
	await page.fill('#filters input[name="operation"]', 'File');
	await page.press('#filters input[name="operation"]', 'Enter');
	await loaded(page, before);
	const ops = await column(page, 'Operation');
	const apiFile = await api('/api/v1/records?operation=File&limit=100');
	check('a filter typed into the bar narrows the table',
		ops.length === apiFile.records.length && ops.length > 0 && ops.every((o) => o === 'File'),
		`${ops.length} rows: ${[...new Set(ops)].join(',')}`);
	check('the filter is kept in the URL', new URL(page.url()).searchParams.get('operation') === 'File', page.url());
	await page.screenshot({ path: path.join(ART, 'alerts-page-filtered.png') });

	// ---- a click on a value narrows, the exclude mark excludes ------------------------------
	const host = (await column(page, 'HostName'))[0];
	before = await loadSeq(page);
	await page.click('#records tbody tr:first-child td[data-field="HostName"] .v');
	await loaded(page, before);
	const hosts2 = await column(page, 'HostName');
	const apiHost = await api(`/api/v1/records?operation=File&where=${encodeURIComponent(`HostName=${host}`)}&limit=100`);
	check('a click on a value narrows the table to it',
		hosts2.length > 0 && hosts2.every((h) => h === host) && hosts2.length === apiHost.records.length,
		`${hosts2.length} rows, API ${apiHost.records.length}`);
	check('the clicked condition is in the URL',
		new URL(page.url()).searchParams.getAll('where').includes(`HostName=${host}`), page.url());

	const shareUrl = page.url();
	const proc = (await column(page, 'ProcessName'))[0];
	before = await loadSeq(page);
	await page.hover('#records tbody tr:first-child td[data-field="ProcessName"]');
	await page.click('#records tbody tr:first-child td[data-field="ProcessName"] .x');
	await loaded(page, before);
	const procs = await column(page, 'ProcessName');
	check('the exclude mark removes that value from the table', !procs.includes(proc), proc);

	// a shared URL opens the same view (token from sessionStorage of this tab)
	before = await loadSeq(page);
	await page.goto(shareUrl);
	await loaded(page, 0);
	const hosts3 = await column(page, 'HostName');
	check('a shared URL reproduces the view', hosts3.length === hosts2.length && hosts3.every((h) => h === host));

	// ---- detail panel ------------------------------------------------------------------------
	await page.click('#records tbody tr:first-child td[data-field="UpdatedTime"]');
	const detail = JSON.parse(await page.$eval('#detail-json', (e) => e.textContent));
	check('a row opens the raw JSON in the detail panel', detail.HostName === host && detail.Operation === 'File');

	// ---- export of the filtered set ------------------------------------------------------------
	const apiCount = (await api(`/api/v1/counts?by=HostName&operation=File&where=${encodeURIComponent(`HostName=${host}`)}`)).counts
		.reduce((a, c) => a + c.count, 0);
	let [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
	const csvPath = path.join(ART, 'export.csv');
	await dl.saveAs(csvPath);
	const csvLines = fs.readFileSync(csvPath, 'utf8').split('\r\n').filter((l) => l.length);
	check('CSV export downloads exactly the filtered set', csvLines.length - 1 === apiCount,
		`${csvLines.length - 1} rows, API ${apiCount}`);
	[dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
	const jsonPath = path.join(ART, 'export.ndjson');
	await dl.saveAs(jsonPath);
	const recs = fs.readFileSync(jsonPath, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
	check('JSON export downloads exactly the filtered set',
		recs.length === apiCount && recs.every((r) => r.HostName === host && r.Operation === 'File'),
		`${recs.length} records, API ${apiCount}`);

	// ---- live mode -------------------------------------------------------------------------------
	before = await loadSeq(page);
	await page.click('#clear');
	await loaded(page, before);
	await page.check('#live');
	await page.waitForTimeout(800); // the stream is open once its first comment line arrived
	const liveHost = `live-${Date.now()}`;
	const sent = Date.now();
	const ing = await fetch(`${BASE}/api/v1/ingest`, {
		method: 'POST',
		headers: { Authorization: `Bearer ${TOKEN}` },
		body: `${JSON.stringify({ Timestamp: Math.floor(sent / 1000), HostName: liveHost, Operation: 'Process', Resource: '/usr/bin/id', Type: 'HostLog' })}\n`,
	});
	check('the record for live mode was ingested', ing.ok);
	let shownMs = -1;
	try {
		await page.waitForSelector(`#records tbody tr td[data-field="HostName"] .v >> text="${liveHost}"`, { timeout: 5000 });
		shownMs = Date.now() - sent;
	} catch (e) { /* not shown */ }
	console.log(`# live record shown after ${shownMs} ms`);
	check('live mode shows a record written after the page opened within 2 s', shownMs >= 0 && shownMs <= 2000, `${shownMs} ms`);
	await page.screenshot({ path: path.join(ART, 'alerts-page-live.png') });

	// ---- a wrong token is reported, not silently empty -------------------------------------------
	await page.evaluate(() => sessionStorage.setItem('ward-token', 'wrong'));
	await page.uncheck('#live');
	before = await loadSeq(page);
	await page.goto(`${BASE}/?operation=File`);
	await page.waitForFunction(() => !document.querySelector('#error').hidden, null, { timeout: 10000 }).catch(() => {});
	const errText = await page.$eval('#error', (e) => (e.hidden ? '' : e.textContent));
	check('a refused token is shown as an error', /token/.test(errText), errText);
	check('the page logs no script errors', consoleErrors.filter((e) => !/401/.test(e)).length === 0, consoleErrors.join(' | '));
} catch (e) {
	nok('the browser scenario ran to the end', String(e && e.stack || e));
} finally {
	await ctx.close();
}
process.exit(failures ? 1 : 0);
