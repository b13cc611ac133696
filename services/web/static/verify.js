// /audit/verify: one log entry's inclusion proof and its tree head's signature, checked in the
// browser with Web Crypto alone. The leaf is SHA-256(0x00 || RFC 8785 JSON of the event), the
// audit path is climbed to the root as RFC 9162 (2.1.3.2) says, and the head's Ed25519
// signature is checked over the RFC 8785 JSON of {root_hash, timestamp, tree_size}.
"use strict";

(function () {
  const box = document.getElementById("browser-check");
  if (!box) return;
  const button = box.querySelector("button");
  const result = document.getElementById("browser-check-result");
  const say = (key, ok) => {
    result.textContent = box.dataset[key];
    result.className = ok ? "tag ok" : "tag urgent";
  };

  // RFC 8785: object members sorted by their UTF-16 code units, no whitespace; strings and
  // numbers as ECMAScript's JSON.stringify writes them (which the RFC adopts).
  const canonical = (value) => {
    if (value === null || typeof value !== "object") return JSON.stringify(value);
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    return "{" + Object.keys(value).sort()
      .map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
  };
  const utf8 = (text) => new TextEncoder().encode(text);
  const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
  const unhex = (text) => new Uint8Array(text.match(/../g).map((h) => parseInt(h, 16)));
  const join = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
  const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));

  // RFC 9162 2.1.3.2: the root the audit path leads to from leaf `index` of `size` leaves.
  const rootFrom = async (leaf, index, size, path) => {
    if (index >= size) return null;
    let fn = index, sn = size - 1, r = leaf;
    for (const p of path) {
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(join(new Uint8Array([1]), p, r));
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await sha256(join(new Uint8Array([1]), r, p));
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  };

  const pemToDer = (pem) => {
    const body = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
    return Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  };

  const check = async () => {
    const d = box.dataset;
    const leaf = await sha256(join(new Uint8Array([0]), utf8(canonical(JSON.parse(d.event)))));
    if (hex(leaf) !== d.leafHash) { say("msgLeaf", false); return; }
    const path = JSON.parse(d.path).map(unhex);
    const root = await rootFrom(leaf, Number(d.index), Number(d.treeSize), path);
    if (root === null || hex(root) !== d.rootHash) { say("msgPath", false); return; }
    let key;
    try {
      key = await crypto.subtle.importKey("spki", pemToDer(d.publicKey), { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      say("msgNoEd25519", false);
      return;
    }
    const message = utf8(canonical({ root_hash: d.rootHash, timestamp: d.timestamp, tree_size: Number(d.treeSize) }));
    const signature = Uint8Array.from(atob(d.signature), (c) => c.charCodeAt(0));
    const good = await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
    say(good ? "msgOk" : "msgSignature", good);
  };

  button.hidden = false;
  button.addEventListener("click", () => {
    result.textContent = "";
    check().catch(() => say("msgError", false));
  });
})();
