// contract-mock's inspector: everything here comes from the control API's JSON routes.
"use strict";

const API = "/__mock__";
const POLL_MS = 400;
const SHOWN = 500; // newest journal entries drawn
const TOKEN_HEADER = "X-Mock-Control-Token";

// A control token, when the control API wants one: from the address (#token=...), never sent
// to the server in the URL, then kept for this tab only.
const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromHash) sessionStorage.setItem("controlToken", fromHash);
const controlToken = sessionStorage.getItem("controlToken");

const expanded = new Set();
let lastJournalKey = "";
let lastStateKey = "";
let lastFaultsKey = "";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

async function call(method, path, body) {
  const headers = {};
  if (controlToken) headers[TOKEN_HEADER] = controlToken;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const answer = await fetch(API + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  const text = await answer.text();
  const data = text ? JSON.parse(text) : null;
  if (!answer.ok) {
    const why = data && (data.details || data.message);
    throw new Error(`${method} ${API}${path}: ${answer.status}${why ? " " + why : ""}`);
  }
  return data;
}

function setStatus(text, isError) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.classList.toggle("error", Boolean(isError));
}

// -- the journal
function callerText(caller) {
  if (!caller) return "";
  const who = caller.username || caller.accessKey || "";
  return `${who}${who ? " " : ""}(${caller.credential}${caller.authenticated ? "" : ", refused"})`;
}

function journalQuery() {
  const form = document.getElementById("filters");
  const query = new URLSearchParams();
  for (const name of ["method", "path", "status"]) {
    const value = form.elements[name].value.trim();
    if (value) query.set(name, value);
  }
  return query;
}

function matchesCaller(entry, wanted) {
  if (!wanted) return true;
  const caller = entry.caller || {};
  return [caller.username, caller.accessKey, caller.credential]
    .some((value) => value && String(value).toLowerCase().includes(wanted));
}

function drawJournal(entries) {
  const wanted = document.getElementById("filters").elements.caller.value.trim().toLowerCase();
  const shown = entries.filter((entry) => matchesCaller(entry, wanted)).reverse().slice(0, SHOWN);
  const body = document.querySelector("#journal tbody");
  const rows = [];
  for (const entry of shown) {
    const status = entry.status === null ? "dropped" : entry.status;
    const statusClass = entry.status === null ? "dropped" : `s${String(entry.status)[0]}`;
    rows.push(el("tr", {
      class: "entry",
      "data-seq": entry.seq,
      onclick: () => {
        if (expanded.has(entry.seq)) expanded.delete(entry.seq); else expanded.add(entry.seq);
        lastJournalKey = "";
        refreshJournal();
      },
    },
      el("td", {}, entry.seq),
      el("td", {}, entry.time.slice(11, 23)),
      el("td", {}, entry.method),
      el("td", {}, entry.path + (Object.keys(entry.query).length ? "?…" : "")),
      el("td", { class: statusClass }, status),
      el("td", {}, callerText(entry.caller)),
      el("td", {}, entry.durationMs.toFixed(1)),
      el("td", {}, entry.fault || ""),
    ));
    if (expanded.has(entry.seq)) {
      rows.push(el("tr", { class: "detail", "data-detail": entry.seq },
        el("td", { colspan: 8 }, el("pre", {}, JSON.stringify(entry, null, 2)))));
    }
  }
  body.replaceChildren(...rows);
  document.getElementById("journal-count").textContent =
    `${shown.length} shown of ${entries.length}, newest first; click one for details`;
}

async function refreshJournal() {
  const entries = await call("GET", "/requests?" + journalQuery());
  const last = entries.length ? entries[entries.length - 1].seq : 0;
  const key = `${entries.length}:${last}:${document.getElementById("filters").elements.caller.value}`;
  if (key !== lastJournalKey) {
    lastJournalKey = key;
    drawJournal(entries);
  }
}

// -- faults
function faultText(rule) {
  const what = [];
  if (rule.latency) what.push(`latency ${rule.latency}s`);
  if (rule.drop) what.push("drop");
  if (rule.status !== null) what.push(`status ${rule.status}`);
  const times = rule.times === null ? "until deleted" : `${rule.remaining} of ${rule.times} left`;
  return `#${rule.id} ${rule.method} ${rule.path || rule.pathRegex}: ${what.join(", ")}; ${times}; hits ${rule.hits}`;
}

async function refreshFaults() {
  const rules = await call("GET", "/faults");
  const key = JSON.stringify(rules);
  if (key === lastFaultsKey) return; // redraw only on change: a button stays under the pointer
  lastFaultsKey = key;
  const items = rules.map((rule) => el("li", { "data-fault": rule.id },
    faultText(rule), " ",
    el("button", { type: "button", onclick: () => act(() => call("DELETE", `/faults?id=${rule.id}`)) }, "delete")));
  if (!items.length) items.push(el("li", { class: "none" }, "none"));
  document.getElementById("faults").replaceChildren(...items);
}

function faultFromForm(form) {
  const rule = { path: form.elements.path.value.trim() };
  const method = form.elements.method.value;
  if (method) rule.method = method;
  for (const [name, parse] of [["status", parseInt], ["latency", parseFloat], ["times", parseInt]]) {
    const value = form.elements[name].value.trim();
    if (value) rule[name] = parse(value, 10);
  }
  if (form.elements.drop.checked) rule.drop = true;
  return rule;
}

// -- state and seeded credentials
function list(title, items) {
  return [el("h3", {}, `${title} (${items.length})`), el("ul", {}, ...items.map((item) => el("li", {}, item)))];
}

function drawState(state) {
  const users = new Map(state.users.map((user) => [user.id, user.username]));
  const envs = new Map(state.environments.map((env) => [env.id, env.name]));
  const parts = [
    ...list("Users", state.users.map((u) => `${u.id} ${u.username} (${u.role === 1 ? "admin" : "standard"})`)),
    ...list("Access tokens by prefix", [...state.tokens]
      .sort((a, b) => a.prefix.localeCompare(b.prefix))
      .map((t) => `${t.prefix}… ${users.get(t.user_id) || t.user_id}: ${t.description}`)),
    ...list("Environments", state.environments.map((e) => `${e.id} ${e.name}`)),
    ...list("Stacks", state.stacks.map((s) =>
      `${s.id} ${s.name} on ${envs.get(s.endpoint_id) || s.endpoint_id} (${s.status === 1 ? "active" : "inactive"})`)),
    ...list("Rancher keys", state.rancherKeys.map((k) =>
      `1c${k.id} ${k.public_value} ${k.account_id} ${k.name || ""}: ${k.state}${k.settles_to && k.settles_to !== k.state ? " → " + k.settles_to : ""}`)),
  ];
  document.getElementById("state").replaceChildren(...parts);
}

async function refreshState() {
  const state = await call("GET", "/state");
  const key = JSON.stringify(state);
  if (key !== lastStateKey) {
    lastStateKey = key;
    drawState(state);
  }
}

async function showSeeded() {
  const seeded = await call("GET", "/seeded");
  const table = el("table", {},
    el("thead", {}, el("tr", {}, el("th", {}, "user"), el("th", {}, "role"), el("th", {}, "password"), el("th", {}, "access token"))),
    el("tbody", {}, ...seeded.accounts.map((a) => el("tr", {},
      el("td", {}, a.username), el("td", {}, a.role), el("td", {}, a.password), el("td", {}, a.tokens[0] || "-")))));
  const keys = el("table", {},
    el("thead", {}, el("tr", {}, el("th", {}, "Rancher account"), el("th", {}, "access key : secret key"))),
    el("tbody", {}, ...seeded.rancherKeys.map((k) => el("tr", {},
      el("td", {}, `${k.accountId} ${k.name || ""}`), el("td", {}, `${k.accessKey}:${k.secretKey}`)))));
  document.getElementById("seeded").replaceChildren(table, keys);
}

// -- the loop
async function refresh() {
  await Promise.all([refreshJournal(), refreshFaults(), refreshState()]);
  setStatus(`live: ${new Date().toLocaleTimeString()}`);
}

async function act(action) {
  try {
    await action();
    await refresh();
  } catch (error) {
    setStatus(error.message, true);
  }
}

async function poll() {
  try {
    await refresh();
  } catch (error) {
    setStatus(`${error.message} (retrying)`, true);
  }
  setTimeout(poll, POLL_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("reset").addEventListener("click", () => act(() => call("POST", "/reset")));
  document.getElementById("clear-journal").addEventListener("click", () => act(() => call("DELETE", "/requests")));
  document.getElementById("clear-faults").addEventListener("click", () => act(() => call("DELETE", "/faults")));
  const filters = document.getElementById("filters");
  filters.addEventListener("input", () => act(() => { lastJournalKey = ""; return refreshJournal(); }));
  filters.addEventListener("submit", (event) => event.preventDefault());
  const faultForm = document.getElementById("fault-form");
  faultForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const error = document.getElementById("fault-error");
    error.textContent = "";
    call("POST", "/faults", faultFromForm(faultForm))
      .then(() => { faultForm.reset(); return refresh(); })
      .catch((failure) => { error.textContent = failure.message; });
  });
  showSeeded().catch((error) => setStatus(error.message, true));
  poll();
});
