// The auditors' page: signs in, downloads an appointment's case bundle and checks it here with WebCrypto —
// each event's chain hash and link to its predecessor, its RFC 6962 inclusion proof against the signed head's
// root, and (where the browser has Ed25519) the head's and the manifest's signatures. The formats are those of
// src/domain/audit/ledgerLeaf.ts, treeHead.ts and src/application/audit/caseBundle.ts.
'use strict';

(function main() {
  const $ = (id) => document.getElementById(id);
  const statusEl = $('status');
  const encoder = new window.TextEncoder();

  // What the page shows, also for tests (window.hvAudit).
  const hv = { state: 'signed-out', badge: null, rows: [], checks: {}, errors: [] };
  window.hvAudit = hv;

  function show(state, text) {
    hv.state = state;
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }

  function fail(text) {
    hv.errors.push(text);
    show('error', text);
  }

  // ---- hashing and proofs ----
  const hexOf = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
  const bytesOf = (hex) => Uint8Array.from(hex.match(/../g) || [], (h) => parseInt(h, 16));
  const base64Bytes = (text) => Uint8Array.from(window.atob(text), (c) => c.charCodeAt(0));
  const sha256 = async (...parts) => {
    const total = parts.reduce((n, p) => n + p.length, 0);
    const joined = new Uint8Array(total);
    let at = 0;
    for (const p of parts) { joined.set(p, at); at += p.length; }
    return new Uint8Array(await window.crypto.subtle.digest('SHA-256', joined));
  };
  const LEAF = Uint8Array.of(0);
  const NODE = Uint8Array.of(1);

  /** u64 BE leafIndex ‖ u64 BE revision ‖ u32 BE len ‖ streamId ‖ u32 BE len ‖ hash text (ledgerLeaf.ts). */
  function leafData(leafIndex, streamId, revision, hash) {
    const stream = encoder.encode(streamId);
    const hashText = encoder.encode(hash);
    const out = new Uint8Array(8 + 8 + 4 + stream.length + 4 + hashText.length);
    const view = new DataView(out.buffer);
    view.setBigUint64(0, BigInt(leafIndex));
    view.setBigUint64(8, BigInt(revision));
    view.setUint32(16, stream.length);
    out.set(stream, 20);
    view.setUint32(20 + stream.length, hashText.length);
    out.set(hashText, 24 + stream.length);
    return out;
  }

  /** RFC 9162 §2.1.3.2: walk the audit path from the leaf to the root. */
  async function rootFromProof(leafIndex, treeSize, leafHash, proof) {
    if (leafIndex >= treeSize) return null;
    let fn = leafIndex;
    let sn = treeSize - 1;
    let r = leafHash;
    for (const hex of proof) {
      const p = bytesOf(hex);
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(NODE, p, r);
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await sha256(NODE, r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 ? hexOf(r) : null;
  }

  /** The stored chain hash: previous hash, type, data and metadata (without its hash) as JSON, one per line. */
  async function chainHash(e) {
    const { hash: _hash, ...rest } = e.metadata;
    const text = `${e.previousHash ?? ''}\n${e.type}\n${JSON.stringify(e.data ?? null)}\n${JSON.stringify(rest)}`;
    return hexOf(await sha256(encoder.encode(text)));
  }

  /** Ed25519 with the given SPKI key; null when this browser's WebCrypto has no Ed25519. */
  async function ed25519(publicKey, message, signature) {
    let key;
    try {
      key = await window.crypto.subtle.importKey('spki', base64Bytes(publicKey), { name: 'Ed25519' }, false, ['verify']);
    } catch {
      return null;
    }
    try {
      return await window.crypto.subtle.verify({ name: 'Ed25519' }, key, base64Bytes(signature), encoder.encode(message));
    } catch {
      return false;
    }
  }

  const headMessage = (h) => `healthvision-ledger-tree-head-v1\n${h.size}\n${h.rootHash}\n${h.signedAt}\n`;
  const manifestMessage = (b) => `${['healthvision-case-bundle-manifest-v1', b.appointmentId, b.generatedAt, String(b.head.size), b.head.rootHash,
    ...b.events.map((e) => `${e.position} ${e.revision} ${e.metadata.hash} ${e.streamId}`)].join('\n')}\n`;

  async function checkEvent(e, byKey, head) {
    const contentOk = (await chainHash(e)) === e.metadata.hash;
    const before = e.revision === 0 ? null : byKey.get(`${e.streamId}\u0000${e.revision - 1}`);
    const linkOk = e.revision === 0 ? e.previousHash === null : !before || before.metadata.hash === e.previousHash;
    if (!e.inclusion) return { proof: contentOk && linkOk ? 'pending' : 'broken', contentOk, linkOk };
    const leaf = await sha256(LEAF, leafData(e.inclusion.leafIndex, e.streamId, e.revision, e.metadata.hash));
    const root = hexOf(leaf) === e.inclusion.leafHash && e.inclusion.treeSize === head.size
      ? await rootFromProof(e.inclusion.leafIndex, e.inclusion.treeSize, leaf, e.inclusion.proof) : null;
    const included = root === head.rootHash;
    return { proof: contentOk && linkOk && included ? 'verified' : 'broken', contentOk, linkOk, included };
  }

  // ---- the page ----
  let token = window.sessionStorage.getItem('hv-audit-token');

  function signedIn(yes) {
    $('sign-in').hidden = yes;
    $('open').hidden = !yes;
    if (!yes) $('case').hidden = true;
    show(yes ? 'signed-in' : 'signed-out', yes ? 'Signed in. Open an appointment.' : 'Not signed in.');
  }

  async function problemText(res) {
    try {
      const body = await res.json();
      return body.detail || body.title || `HTTP ${res.status}`;
    } catch {
      return `HTTP ${res.status}`;
    }
  }

  $('sign-in').addEventListener('submit', async (event) => {
    event.preventDefault();
    show('signing-in', 'Signing in…');
    const res = await fetch('/api/auth/login', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: $('email').value, password: $('password').value }),
    });
    if (!res.ok) { fail(`Sign-in refused: ${await problemText(res)}`); return; }
    const body = await res.json();
    if (body.user.role !== 'auditor' && body.user.role !== 'admin') { fail('This page is for auditors and admins.'); return; }
    token = body.token;
    window.sessionStorage.setItem('hv-audit-token', token);
    signedIn(true);
  });

  $('sign-out').addEventListener('click', () => {
    token = null;
    window.sessionStorage.removeItem('hv-audit-token');
    signedIn(false);
  });

  function cell(row, text, code) {
    const td = document.createElement('td');
    if (code) {
      const c = document.createElement('code');
      c.textContent = text;
      td.append(c);
    } else {
      td.textContent = text;
    }
    row.append(td);
  }

  function check(name, ok, text) {
    hv.checks[name] = ok;
    const li = document.createElement('li');
    li.textContent = `${ok === null ? '–' : ok ? '✓' : '✗'} ${text}`;
    $('checks').append(li);
  }

  async function openCase(appointmentId) {
    show('loading', 'Loading the case bundle…');
    $('case').hidden = true;
    const res = await fetch(`/api/audit/appointments/${encodeURIComponent(appointmentId)}/case?format=bundle`, { headers: { Authorization: `Bearer ${token}` } });
    if (res.status === 401) { signedIn(false); fail('Your session ended; sign in again.'); return; }
    if (!res.ok) { fail(`Could not open ${appointmentId}: ${await problemText(res)}`); return; }
    const bundle = await res.json();
    show('verifying', 'Verifying…');

    const byKey = new Map(bundle.events.map((e) => [`${e.streamId}\u0000${e.revision}`, e]));
    const byId = new Map(bundle.events.map((e) => [e.metadata.eventId, e]));
    const rows = [];
    for (const e of bundle.events) {
      const verdict = await checkEvent(e, byKey, bundle.head);
      const cause = e.metadata.causationId ? byId.get(e.metadata.causationId) : null;
      rows.push({
        position: e.position, at: e.metadata.recordedAt, streamId: e.streamId, revision: e.revision, type: e.type,
        actor: `${e.metadata.actor.role} ${e.metadata.actor.userId}`, causedBy: cause ? `${cause.type} (${cause.streamId})` : '', proof: verdict.proof,
      });
    }

    const trusted = $('trusted-key').value.trim();
    const keyOk = trusted ? trusted === bundle.head.publicKey : null;
    const headSigned = await ed25519(bundle.head.publicKey, headMessage(bundle.head), bundle.head.signature);
    const manifestSigned = await ed25519(bundle.head.publicKey, manifestMessage(bundle), bundle.manifestSignature);

    $('checks').replaceChildren();
    hv.checks = {};
    check('proofs', rows.every((r) => r.proof !== 'broken'), `every event's chain hash and inclusion proof (${rows.filter((r) => r.proof === 'verified').length} of ${rows.length} proven in the signed tree)`);
    check('headSignature', headSigned, headSigned === null ? 'tree head signature: this browser has no Ed25519; use `npm run audit -- verify-bundle`' : 'tree head signature');
    check('manifestSignature', manifestSigned, manifestSigned === null ? 'manifest signature: not checked in this browser' : 'manifest signature (no event added, dropped or moved)');
    check('trustedKey', keyOk, keyOk === null ? 'signing key not compared (no trusted key entered)' : 'signed by the trusted key');

    const broken = Object.values(hv.checks).some((ok) => ok === false);
    hv.badge = broken ? 'broken' : rows.some((r) => r.proof === 'pending') ? 'pending' : 'verified';
    hv.rows = rows;
    $('badge').dataset.badge = hv.badge;
    $('badge').textContent = hv.badge;
    $('head').textContent = `Signed tree head: ${bundle.head.size} events, root ${bundle.head.rootHash}, signed ${bundle.head.signedAt}; key ${bundle.head.publicKey}`;

    const body = $('timeline');
    body.replaceChildren();
    for (const r of rows) {
      const tr = document.createElement('tr');
      tr.dataset.proof = r.proof;
      cell(tr, String(r.position));
      cell(tr, r.at);
      cell(tr, `${r.streamId} #${r.revision}`, true);
      cell(tr, r.type);
      cell(tr, r.actor, true);
      cell(tr, r.causedBy);
      cell(tr, r.proof === 'verified' ? '✓ verified' : r.proof === 'pending' ? '… newer than the head' : '✗ broken');
      body.append(tr);
    }
    $('case').hidden = false;
    show('shown', `${rows.length} events across ${new Set(rows.map((r) => r.streamId)).size} streams.`);
  }

  $('open').addEventListener('submit', (event) => {
    event.preventDefault();
    const id = $('appointment-id').value.trim();
    window.history.replaceState(null, '', `/audit?appointmentId=${encodeURIComponent(id)}`);
    openCase(id).catch((error) => fail(`Could not verify: ${error.message}`));
  });

  signedIn(Boolean(token));
  const preset = new URLSearchParams(window.location.search).get('appointmentId');
  if (preset) {
    $('appointment-id').value = preset;
    if (token) openCase(preset).catch((error) => fail(`Could not verify: ${error.message}`));
  }
}());
