// SPDX-License-Identifier: Apache-2.0
// ward Alerts page. Plain browser JavaScript, no build step, no third-party code.
//
// The page's query string IS the API's query string: the same filter words as `ward logs`
// (operation=File&hostname=h1&where=Resource~passwd&since=1h), so a URL can be shared and
// every view maps 1:1 onto /api/v1 calls. Keys starting with "_" are page-only (_top).
// The server pages (limit/cursor); the browser never holds more than MAX_ROWS rows.
// Record values are always inserted as text (textContent), never as HTML.
'use strict';

const PAGE = 100;
const MAX_ROWS = 5000;
const TOKEN_KEY = 'ward-token';
const COLUMNS = ['UpdatedTime', 'HostName', 'Type', 'Severity', 'Operation', 'Action', 'Result',
	'ProcessName', 'Resource', 'PolicyName', 'PodName', 'ContainerID', 'Enforcer', 'PID',
	'ClusterName', 'Message'];
const TOP_FIELDS = ['HostName', 'Operation', 'Action', 'PolicyName', 'ProcessName', 'Resource',
	'Severity', 'Type', 'Result', 'Enforcer', 'ClusterName', 'NamespaceName', 'PodName',
	'ContainerName', 'ContainerID', 'Source', 'Tags', 'Message'];
const NICE_INTERVALS = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 86400, 604800];

const $ = (sel) => document.querySelector(sel);
let params = new URLSearchParams(location.search);
let nextCursor = null;
let rowCount = 0;
let liveCtl = null;
let loadSeq = 0;

// ---- token ---------------------------------------------------------------------------------
function takeTokenFromFragment() {
	const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
	if (m) {
		sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
		// the token must not travel on when the URL is shared
		history.replaceState(null, '', location.pathname + location.search);
	}
}
function token() {
	let t = sessionStorage.getItem(TOKEN_KEY);
	if (!t) {
		t = window.prompt('ward API token (the contents of the server\'s --token-file):') || '';
		if (t) sessionStorage.setItem(TOKEN_KEY, t.trim());
	}
	return sessionStorage.getItem(TOKEN_KEY) || '';
}

// ---- API -------------------------------------------------------------------------------------
function apiQuery(extra) {
	const q = new URLSearchParams();
	for (const [k, v] of params) if (!k.startsWith('_')) q.append(k, v);
	for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
	return q.toString();
}
async function api(path, extra, opts) {
	const res = await fetch(`${path}?${apiQuery(extra)}`, Object.assign({
		headers: { Authorization: `Bearer ${token()}` }, cache: 'no-store',
	}, opts || {}));
	if (res.status === 401) {
		sessionStorage.removeItem(TOKEN_KEY);
		throw new Error('the server refused the token; click "token" to enter it again');
	}
	if (!res.ok) {
		let msg = `${res.status} ${res.statusText}`;
		try { msg = (await res.json()).error || msg; } catch (e) { /* not JSON */ }
		throw new Error(msg);
	}
	return res;
}
function showError(e) {
	const box = $('#error');
	if (!e) { box.hidden = true; box.textContent = ''; return; }
	box.hidden = false;
	box.textContent = String(e.message || e);
}

// ---- URL state ------------------------------------------------------------------------------
function pushState() {
	const qs = params.toString();
	history.pushState(null, '', location.pathname + (qs ? `?${qs}` : ''));
	reload();
}
function addCondition(key, value) {
	if (key === 'where') {
		if (![...params.getAll('where')].includes(value)) params.append('where', value);
	} else {
		params.set(key, value);
	}
	pushState();
}
function removeCondition(key, value) {
	const all = params.getAll(key).filter((v) => v !== value);
	params.delete(key);
	for (const v of all) params.append(key, v);
	pushState();
}

// ---- filter bar -----------------------------------------------------------------------------
function fillForm() {
	const form = $('#filters');
	for (const el of form.elements) {
		if (!el.name || el.name === 'where-new') continue;
		el.value = params.get(el.name) || '';
	}
	form.elements['where-new'].value = '';
	const since = params.get('since') || '';
	for (const b of document.querySelectorAll('#range button[data-since]'))
		b.classList.toggle('on', b.dataset.since === since && !params.get('until'));
	$('#abs-since').value = isoToLocal(since);
	$('#abs-until').value = isoToLocal(params.get('until') || '');
}
function readForm(ev) {
	ev.preventDefault();
	const form = $('#filters');
	for (const el of form.elements) {
		if (!el.name || el.name === 'where-new') continue;
		const v = el.value.trim();
		if (v) params.set(el.name, v); else params.delete(el.name);
	}
	const w = form.elements['where-new'].value.trim();
	if (w) params.append('where', w);
	pushState();
}
function renderChips() {
	const box = $('#chips');
	box.replaceChildren();
	for (const [k, v] of params) {
		if (k.startsWith('_')) continue;
		const chip = document.createElement('span');
		chip.className = 'chip' + (/^where$/.test(k) && /!/.test(v) ? ' neg' : '');
		const label = document.createElement('span');
		label.textContent = k === 'where' ? v : `${k}=${v}`;
		const x = document.createElement('button');
		x.type = 'button';
		x.textContent = '×';
		x.title = 'remove';
		x.addEventListener('click', () => removeCondition(k, v));
		chip.append(label, x);
		box.append(chip);
	}
}

// ---- time ----------------------------------------------------------------------------------
function durSeconds(s) {
	const m = /^(\d+)([smhdw]?)$/.exec(s || '');
	if (!m) return null;
	return Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 })[m[2]];
}
function isoToLocal(v) {
	if (!v || durSeconds(v) !== null) return '';
	const d = new Date(v);
	if (isNaN(d)) return '';
	const off = d.getTimezoneOffset() * 60000;
	return new Date(d - off).toISOString().slice(0, 19);
}
function rangeSeconds() {
	const now = Date.now() / 1000;
	const s = params.get('since'), u = params.get('until');
	const toAbs = (v) => {
		const d = durSeconds(v);
		if (d !== null) return now - d;
		const t = Date.parse(v);
		return isNaN(t) ? null : t / 1000;
	};
	const from = s ? toAbs(s) : null;
	const to = u ? toAbs(u) : now;
	return { from, to };
}
function pickInterval() {
	const { from, to } = rangeSeconds();
	const span = from !== null && to !== null ? Math.max(1, to - from) : 30 * 86400;
	const want = span / 80;
	return NICE_INTERVALS.find((i) => i >= want) || NICE_INTERVALS[NICE_INTERVALS.length - 1];
}
function fmtInterval(s) {
	if (s % 86400 === 0) return `${s / 86400}d`;
	if (s % 3600 === 0) return `${s / 3600}h`;
	if (s % 60 === 0) return `${s / 60}m`;
	return `${s}s`;
}
function fmtTime(t) {
	return new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 19);
}

// ---- table ----------------------------------------------------------------------------------
function buildHead() {
	const tr = $('#records thead tr');
	tr.replaceChildren();
	for (const c of COLUMNS) {
		const th = document.createElement('th');
		th.textContent = c === 'UpdatedTime' ? 'Time (UTC)' : c;
		tr.append(th);
	}
}
function cellValue(rec, c) {
	if (c === 'UpdatedTime') {
		if (rec.UpdatedTime) return rec.UpdatedTime.replace('T', ' ').replace(/\.\d+Z$/, '');
		return rec.Timestamp ? fmtTime(rec.Timestamp) : '';
	}
	const v = rec[c];
	return v === undefined || v === null ? '' : String(v);
}
function makeRow(rec) {
	const tr = document.createElement('tr');
	for (const c of COLUMNS) {
		const td = document.createElement('td');
		const text = cellValue(rec, c);
		td.dataset.field = c;
		if (c === 'Action' && text) td.className = `act-${text.replace(/[^A-Za-z]/g, '')}`;
		if (text && c !== 'UpdatedTime') {
			const v = document.createElement('span');
			v.className = 'v';
			v.textContent = text;
			v.title = `filter ${c} = ${text}`;
			v.addEventListener('click', (e) => {
				e.stopPropagation();
				addCondition('where', `${c}=${rec[c]}`);
			});
			const x = document.createElement('span');
			x.className = 'x';
			x.textContent = '⊘';
			x.title = `exclude ${c} = ${text}`;
			x.addEventListener('click', (e) => {
				e.stopPropagation();
				addCondition('where', `${c}!=${rec[c]}`);
			});
			td.append(v, x);
		} else {
			td.textContent = text;
		}
		tr.append(td);
	}
	tr.addEventListener('click', () => showDetail(rec, tr));
	return tr;
}
function showDetail(rec, tr) {
	for (const r of document.querySelectorAll('#records tr.sel')) r.classList.remove('sel');
	tr.classList.add('sel');
	$('#detail').hidden = false;
	$('#detail-json').textContent = JSON.stringify(rec, null, 2);
}
function updateCountInfo(total) {
	const el = $('#count-info');
	if (total !== undefined) el.dataset.total = total;
	const t = el.dataset.total;
	el.textContent = `showing ${rowCount}` + (t !== undefined ? ` of ${Number(t).toLocaleString()}` : '');
	$('#more').hidden = !nextCursor || rowCount >= MAX_ROWS;
}
async function loadPage(seq) {
	const extra = { limit: PAGE };
	if (nextCursor) extra.cursor = nextCursor;
	const res = await api('/api/v1/records', extra);
	const body = await res.json();
	if (seq !== loadSeq) return;
	const tbody = $('#records tbody');
	const frag = document.createDocumentFragment();
	for (const rec of body.records) frag.append(makeRow(rec));
	tbody.append(frag);
	rowCount += body.records.length;
	nextCursor = body.next || null;
	updateCountInfo();
}

// ---- histogram ------------------------------------------------------------------------------
const SVGNS = 'http://www.w3.org/2000/svg';
async function loadHistogram(seq) {
	let interval = pickInterval();
	let extra = { interval: fmtInterval(interval) };
	let body = await (await api('/api/v1/histogram', extra)).json();
	const total = body.total !== undefined ? body.total : body.buckets.reduce((a, b) => a + b.count, 0);
	// without a lower bound the span is unknown: zoom in on where the data is (up to 3 times)
	let window = null;
	for (let i = 0; i < 3 && rangeSeconds().from === null && body.buckets.length > 0
		&& body.buckets.length < 20 && interval > 1; i++) {
		const lo = body.buckets[0].t, hi = body.buckets[body.buckets.length - 1].t + interval;
		const want = (hi - lo) / 80;
		const next = NICE_INTERVALS.find((v) => v >= want) || interval;
		if (next >= interval) break;
		interval = next;
		window = { lo, hi };
		extra = { interval: fmtInterval(interval), since: new Date(lo * 1000).toISOString(),
			until: new Date(hi * 1000).toISOString() };
		body = await (await api('/api/v1/histogram', extra)).json();
	}
	if (seq !== loadSeq) return;
	drawHistogram(body.buckets, interval, window);
	updateCountInfo(total);
}
function drawHistogram(buckets, interval, window) {
	const svg = $('#histogram');
	svg.replaceChildren();
	const W = svg.clientWidth || 800, H = svg.clientHeight || 120;
	svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
	const { from, to } = window ? { from: window.lo, to: window.hi - 1 } : rangeSeconds();
	let lo = from !== null ? Math.floor(from / interval) * interval : null;
	let hi = to !== null ? Math.floor(to / interval) * interval + interval : null;
	if (buckets.length) {
		if (lo === null || buckets[0].t < lo) lo = buckets[0].t;
		const last = buckets[buckets.length - 1].t + interval;
		if (hi === null || from === null) hi = Math.max(last, lo + interval);
	}
	const total = buckets.reduce((a, b) => a + b.count, 0);
	$('#hist-info').textContent = `${total.toLocaleString()} records · ${fmtInterval(interval)} buckets`;
	if (lo === null || hi === null || hi <= lo) return;
	const n = Math.max(1, Math.round((hi - lo) / interval));
	const max = Math.max(1, ...buckets.map((b) => b.count));
	const bw = W / n, top = 4, bottom = H - 16;
	for (const b of buckets) {
		const i = Math.round((b.t - lo) / interval);
		if (i < 0 || i >= n) continue;
		const h = Math.max(1, (b.count / max) * (bottom - top));
		const r = document.createElementNS(SVGNS, 'rect');
		r.setAttribute('class', 'bar');
		r.setAttribute('x', (i * bw + 0.5).toFixed(1));
		r.setAttribute('width', Math.max(1, bw - 1).toFixed(1));
		r.setAttribute('y', (bottom - h).toFixed(1));
		r.setAttribute('height', h.toFixed(1));
		const tip = document.createElementNS(SVGNS, 'title');
		tip.textContent = `${fmtTime(b.t)}  ${b.count}`;
		r.append(tip);
		r.addEventListener('click', () => {
			params.set('since', new Date(b.t * 1000).toISOString());
			params.set('until', new Date((b.t + interval) * 1000).toISOString());
			pushState();
		});
		svg.append(r);
	}
	for (const [x, t, anchor] of [[2, lo, 'start'], [W - 2, hi, 'end']]) {
		const tx = document.createElementNS(SVGNS, 'text');
		tx.setAttribute('x', x);
		tx.setAttribute('y', H - 3);
		tx.setAttribute('text-anchor', anchor);
		tx.textContent = fmtTime(t);
		svg.append(tx);
	}
}

// ---- top N ---------------------------------------------------------------------------------
async function loadTop(seq) {
	const field = params.get('_top') || 'HostName';
	const res = await api('/api/v1/counts', { by: field, limit: 10 });
	const body = await res.json();
	if (seq !== loadSeq) return;
	const list = $('#top-list');
	list.replaceChildren();
	const max = Math.max(1, ...body.counts.map((c) => c.count));
	for (const c of body.counts) {
		const li = document.createElement('li');
		const bar = document.createElement('i');
		bar.className = 'bar';
		bar.style.width = `${(100 * c.count) / max}%`;
		const v = document.createElement('span');
		v.textContent = c.value === '' ? '(empty)' : c.value;
		const n = document.createElement('span');
		n.textContent = c.count.toLocaleString();
		li.title = `filter ${field} = ${c.value}`;
		li.append(bar, v, n);
		li.addEventListener('click', () => addCondition('where', `${field}=${c.value}`));
		list.append(li);
	}
}

// ---- live (SSE over fetch, so the token goes in a header, not the URL) ---------------------------
async function startLive() {
	stopLive();
	const ctl = new AbortController();
	liveCtl = ctl;
	try {
		const res = await api('/api/v1/stream', {}, { signal: ctl.signal });
		const reader = res.body.getReader();
		const dec = new TextDecoder();
		let buf = '';
		for (;;) {
			const { value, done } = await reader.read();
			if (done) break;
			buf += dec.decode(value, { stream: true });
			let idx;
			while ((idx = buf.indexOf('\n\n')) >= 0) {
				const ev = buf.slice(0, idx);
				buf = buf.slice(idx + 2);
				const data = ev.split('\n').filter((l) => l.startsWith('data: '))
					.map((l) => l.slice(6)).join('\n');
				if (data) addLive(JSON.parse(data));
			}
		}
	} catch (e) {
		if (ctl.signal.aborted) return;
		showError(e);
	}
	if (liveCtl === ctl && $('#live').checked) setTimeout(() => { if (liveCtl === ctl) startLive(); }, 2000);
}
function stopLive() {
	if (liveCtl) liveCtl.abort();
	liveCtl = null;
}
function addLive(rec) {
	const tbody = $('#records tbody');
	const tr = makeRow(rec);
	tr.classList.add('fresh');
	tbody.prepend(tr);
	rowCount++;
	while (rowCount > MAX_ROWS && tbody.lastChild) {
		tbody.lastChild.remove();
		rowCount--;
	}
	const el = $('#count-info');
	if (el.dataset.total !== undefined) el.dataset.total = Number(el.dataset.total) + 1;
	updateCountInfo();
}

// ---- export -------------------------------------------------------------------------------
async function exportAs(format) {
	showError(null);
	try {
		const res = await api('/api/v1/export', { format });
		const blob = await res.blob();
		const a = document.createElement('a');
		a.href = URL.createObjectURL(blob);
		a.download = format === 'csv' ? 'ward-records.csv' : 'ward-records.ndjson';
		document.body.append(a);
		a.click();
		a.remove();
		setTimeout(() => URL.revokeObjectURL(a.href), 10000);
	} catch (e) {
		showError(e);
	}
}

// ---- wiring ------------------------------------------------------------------------------
async function reload() {
	const seq = ++loadSeq;
	showError(null);
	fillForm();
	renderChips();
	$('#records tbody').replaceChildren();
	$('#detail').hidden = true;
	rowCount = 0;
	nextCursor = null;
	delete $('#count-info').dataset.total;
	$('#top-field').value = params.get('_top') || 'HostName';
	if ($('#live').checked) startLive();
	// the table first: on a big store the aggregates (histogram, top-N) scan millions of rows
	// and would compete with the page of records for the same CPUs
	const first = await Promise.allSettled([loadPage(seq)]);
	const results = first.concat(await Promise.allSettled([loadHistogram(seq), loadTop(seq)]));
	const bad = results.find((r) => r.status === 'rejected');
	if (bad && seq === loadSeq) showError(bad.reason);
	document.body.dataset.loaded = String(seq);
}

function init() {
	takeTokenFromFragment();
	buildHead();
	const sel = $('#top-field');
	for (const f of TOP_FIELDS) {
		const o = document.createElement('option');
		o.value = o.textContent = f;
		sel.append(o);
	}
	sel.addEventListener('change', () => { params.set('_top', sel.value); pushState(); });
	$('#filters').addEventListener('submit', readForm);
	$('#clear').addEventListener('click', () => {
		const top = params.get('_top');
		params = new URLSearchParams();
		if (top) params.set('_top', top);
		pushState();
	});
	for (const b of document.querySelectorAll('#range button[data-since]')) {
		b.addEventListener('click', () => {
			if (b.dataset.since) params.set('since', b.dataset.since); else params.delete('since');
			params.delete('until');
			pushState();
		});
	}
	$('#abs-apply').addEventListener('click', () => {
		const s = $('#abs-since').value, u = $('#abs-until').value;
		if (s) params.set('since', new Date(s).toISOString()); else params.delete('since');
		if (u) params.set('until', new Date(u).toISOString()); else params.delete('until');
		pushState();
	});
	$('#more').addEventListener('click', () => loadPage(loadSeq).catch(showError));
	$('.tablewrap').addEventListener('scroll', (e) => {
		const el = e.target;
		if (nextCursor && rowCount < MAX_ROWS && el.scrollTop + el.clientHeight > el.scrollHeight - 40
			&& !el.dataset.busy) {
			el.dataset.busy = '1';
			loadPage(loadSeq).catch(showError).finally(() => { delete el.dataset.busy; });
		}
	});
	$('#live').addEventListener('change', (e) => (e.target.checked ? startLive() : stopLive()));
	$('#export-csv').addEventListener('click', () => exportAs('csv'));
	$('#export-json').addEventListener('click', () => exportAs('ndjson'));
	$('#token-btn').addEventListener('click', () => {
		sessionStorage.removeItem(TOKEN_KEY);
		token();
		reload();
	});
	$('#detail-close').addEventListener('click', () => { $('#detail').hidden = true; });
	window.addEventListener('popstate', () => { params = new URLSearchParams(location.search); reload(); });
	reload();
}
document.addEventListener('DOMContentLoaded', init);
