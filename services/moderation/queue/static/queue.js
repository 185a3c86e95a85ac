// Moderator queue: paging, focus and keys, claims, approve/reject, reader actions, batch by
// score and live updates. Comment text arrives as server-escaped HTML fragments; this script
// never builds markup from comment text.
"use strict";

const csrf = document.querySelector('meta[name="csrf-token"]').content;
const list = document.getElementById("items");
const panel = document.getElementById("context");
const message = document.getElementById("message");
const moreButton = document.getElementById("more");
const batchDialog = document.getElementById("batch");
const query = list.dataset.query;  // the filters, as the server wrote them
const me = list.dataset.user;
let nextCursor = list.dataset.next;
const narrow = window.matchMedia("(max-width: 900px)");  // the layout's one column
let current = null;   // the focused item
let menuItem = null;  // the item whose reject menu is open

function items() { return Array.from(list.querySelectorAll(":scope > article.item")); }
function keyOf(item) { return `${encodeURIComponent(item.dataset.commentId)}/${item.dataset.revision}`; }
function withQuery(path, extra) {
  const params = new URLSearchParams(query);
  for (const [k, v] of Object.entries(extra || {})) params.set(k, v);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}
function findItem(commentId, revision) {
  return list.querySelector(`article.item[data-comment-id="${CSS.escape(commentId)}"][data-revision="${revision}"]`);
}
function fragment(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  showLocalTimes(template.content);
  return template.content;
}

async function api(path, body, method) {
  const response = await fetch(path, {
    method: method || "POST",
    headers: { "content-type": "application/json", "x-csrf-token": csrf },
    body: method === "GET" ? undefined : JSON.stringify(body || {}),
    credentials: "same-origin",
  });
  let data = {};
  try { data = await response.json(); } catch (e) { /* empty body */ }
  return { ok: response.ok, status: response.status, data };
}

function say(text) { message.textContent = text; }

// Times the server wrote in UTC, shown in the moderator's own zone (static/localtime.js
// rewrites the page itself; fragments added later go through it here).
function showLocalTimes(root) {
  if (window.moderationLocalTime) window.moderationLocalTime(root);
}
function localClock(iso) {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? "soon"
    : new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short" }).format(at);
}
// A colleague's claim ends by itself: unlock the item then, without a reload.
function unlockAt(item, until) {
  const wait = new Date(until).getTime() - Date.now();
  if (!Number.isNaN(wait)) setTimeout(() => { if (item.isConnected) showClaim(item, ""); }, Math.max(wait, 0) + 500);
}
function claimText(holder, until) { return `${holder} is working on this comment (claim ends ${localClock(until)})`; }

// "3m ago" as the minutes pass, from each item's decision time.
function ago(seconds) {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}
function refreshAges() {
  const now = Date.now();
  list.querySelectorAll("time[data-age]").forEach((t) => {
    const at = new Date(t.getAttribute("datetime")).getTime();
    if (!Number.isNaN(at)) t.textContent = `${ago(Math.max(0, Math.round((now - at) / 1000)))} ago`;
  });
}
setInterval(refreshAges, 30_000);

// ------------------------------------------------------------------ counts
let totalTimer = null;
function setTotal(n) {
  document.getElementById("total").textContent = String(n);
  document.title = `Queue (${n}) · Moderation`;
}
function updateShown() {
  const n = items().length;
  document.getElementById("shown").textContent = String(n);
  document.getElementById("empty").hidden = n > 0 || Boolean(nextCursor);
}
function refreshTotal() {
  clearTimeout(totalTimer);
  totalTimer = setTimeout(async () => {
    const result = await api(withQuery("/api/count"), null, "GET");
    if (result.ok) setTotal(result.data.total);
  }, 250);
}

// ------------------------------------------------------------------ paging
let loading = false;
async function loadMore() {
  if (!nextCursor || loading) return;
  loading = true;
  try {
    const response = await fetch(withQuery("/more", { after: nextCursor }), { credentials: "same-origin" });
    if (!response.ok) { say("Could not load more comments."); return; }
    nextCursor = response.headers.get("x-next-cursor") || "";
    const content = fragment(await response.text());
    for (const item of Array.from(content.querySelectorAll("article.item"))) {
      if (!findItem(item.dataset.commentId, item.dataset.revision)) list.append(item);
    }
    moreButton.hidden = !nextCursor;
    updateShown();
refreshAges();
list.querySelectorAll("article.item.claimed .notice time").forEach((t) => unlockAt(t.closest("article.item"), t.getAttribute("datetime")));
  } finally { loading = false; }
}
moreButton.addEventListener("click", loadMore);
new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) loadMore(); })
  .observe(moreButton);

// ------------------------------------------------------------------ focus and context
let contextTimer = null;
function focusItem(item) {
  if (!item) return;
  if (current) current.classList.remove("current");
  current = item;
  item.classList.add("current");
  item.focus({ preventScroll: true });
  item.scrollIntoView({ block: "nearest" });
  clearTimeout(contextTimer);
  contextTimer = setTimeout(() => loadContext(item), 120);  // not for every j held down
}
// On a narrow screen the panel is not beside the list but under the comment it explains;
// back beside the list when the screen widens (a tablet turned, a window resized).
function placePanel() {
  if (narrow.matches && current) current.after(panel);
  else if (panel.parentElement !== list.parentElement) list.after(panel);
}
narrow.addEventListener("change", placePanel);

async function loadContext(item) {
  const response = await fetch(`/items/${keyOf(item)}/context`, { credentials: "same-origin" });
  if (item !== current) return;
  if (!response.ok) { panel.textContent = "No context: this comment has left the queue."; return; }
  panel.replaceChildren(fragment(await response.text()));
  placePanel();
}

function showClaim(item, text, holder) {
  item.querySelector(".notice").textContent = text;
  // Seen on the one-line row too, not only on the opened comment.
  item.querySelector(".holder").textContent = text ? `claimed by ${holder || "a colleague"}` : "";
  const blocked = Boolean(text);
  item.classList.toggle("claimed", blocked);
  item.querySelectorAll(".actions button").forEach((b) => { b.disabled = blocked; });
}

function refused(item, result, fallback) {
  const text = result.data.holder ? claimText(result.data.holder, result.data.until) : (result.data.detail || fallback);
  showClaim(item, text, result.data.holder);
  say(text);
}

async function toggleClaim(item) {
  const mine = item.classList.contains("mine");
  const result = await api(`/api/items/${keyOf(item)}/${mine ? "release" : "claim"}`);
  if (!result.ok) { refused(item, result, "cannot claim this comment"); return; }
  item.classList.toggle("mine", !mine);
  item.querySelector("button.claim").textContent = mine ? "Claim" : "Release";
  say(mine ? `Released ${item.dataset.commentId}` : `Claimed ${item.dataset.commentId} for 5 minutes`);
}

function removeItem(item) {
  const all = items();
  const next = all[all.indexOf(item) + 1] || all[all.indexOf(item) - 1];
  if (item === menuItem) menuItem = null;
  item.remove();
  updateShown();
refreshAges();
list.querySelectorAll("article.item.claimed .notice time").forEach((t) => unlockAt(t.closest("article.item"), t.getAttribute("datetime")));
  refreshTotal();
  if (item === current) { current = null; if (next) focusItem(next); else panel.replaceChildren(); }
  if (items().length < 10) loadMore();
}

// ------------------------------------------------------------------ approve and reject
async function approve(item) {
  const result = await api(`/api/items/${keyOf(item)}/approve`);
  if (result.ok) { say(`Approved ${item.dataset.commentId}`); removeItem(item); }
  else refused(item, result, "could not approve");
}

function menuOptions(item) { return Array.from(item.querySelectorAll(".reason-menu .option")); }
function openMenu(item) {
  closeMenu();
  menuItem = item;
  const menu = item.querySelector(".reason-menu");
  menu.hidden = false;
  menu.focus();
}
function closeMenu() {
  if (!menuItem) return;
  menuItem.querySelector(".reason-menu").hidden = true;
  const item = menuItem;
  menuItem = null;
  if (item.isConnected) item.focus({ preventScroll: true });
}
function moveMenu(step) {
  const options = menuOptions(menuItem);
  const at = options.findIndex((o) => o.getAttribute("aria-selected") === "true");
  const to = Math.min(Math.max(at + step, 0), options.length - 1);
  options.forEach((o, i) => o.setAttribute("aria-selected", String(i === to)));
}
async function confirmMenu(option) {
  const item = menuItem;
  const chosen = option || menuOptions(item).find((o) => o.getAttribute("aria-selected") === "true");
  const note = item.querySelector(".reason-menu input[name=note]").value;
  closeMenu();
  const result = await api(`/api/items/${keyOf(item)}/reject`, { reason_code: chosen.dataset.code, note });
  if (result.ok) { say(`Rejected ${item.dataset.commentId}`); removeItem(item); }
  else refused(item, result, "could not reject");
}
function menuKey(event) {
  const inNote = event.target.matches("input");
  if (event.key === "Escape") { closeMenu(); return true; }
  if (event.key === "Enter") { confirmMenu(); return true; }
  if (inNote) return false;
  if (event.key === "ArrowDown" || event.key === "j") { moveMenu(1); return true; }
  if (event.key === "ArrowUp" || event.key === "k") { moveMenu(-1); return true; }
  const n = Number(event.key);
  const options = menuOptions(menuItem);
  if (Number.isInteger(n) && n >= 1 && n <= options.length) { confirmMenu(options[n - 1]); return true; }
  return false;
}

// ------------------------------------------------------------------ ticked and batch actions
async function bulk(action) {
  const chosen = items().filter((i) => i.querySelector(".select").checked);
  if (!chosen.length) { say("Tick comments first (x or the checkboxes), or use “Select all in filter”."); return; }
  const result = await api("/api/bulk", {
    action,
    reason_code: document.getElementById("bulk-reason").value,
    items: chosen.map((i) => ({ comment_id: i.dataset.commentId, revision: Number(i.dataset.revision) })),
  });
  if (!result.ok) { say(result.data.detail || "bulk action failed"); return; }
  for (const r of result.data.results) {
    const item = findItem(r.comment_id, r.revision);
    if (!item) continue;
    if (r.ok) removeItem(item); else showClaim(item, r.detail);
  }
  say(`${action}: ${result.data.results.filter((r) => r.ok).length} of ${chosen.length} done`);
}

const batchForm = batchDialog.querySelector("form");
let batchExpected = 0;
function batchQuery() {
  const label = batchForm.label.value;
  const params = label ? { label, low: batchForm.low.value, high: batchForm.high.value } : { label: "" };
  // Legal holds are left out unless asked for (or the filter is the legal ones already).
  const legalView = new URLSearchParams(query).get("category") === "legal";
  params.exclude = batchForm.include_legal.checked || legalView ? "" : "legal";
  return params;
}
let batchPreviews = 0;  // each edit of the form asks again; only the latest answer counts
async function previewBatch() {
  const mine = ++batchPreviews;
  document.getElementById("batch-count").textContent = "…";
  const result = await api(withQuery("/api/selection", batchQuery()), null, "GET");
  // An earlier request can answer after a later one (three quick edits, three requests):
  // its count would describe a range the moderator has already changed.
  if (mine !== batchPreviews) return;
  const sample = document.getElementById("batch-sample");
  sample.replaceChildren();
  if (!result.ok) { document.getElementById("batch-count").textContent = "?"; say(result.data.detail || "cannot count"); return; }
  batchExpected = result.data.total;
  document.getElementById("batch-count").textContent = String(batchExpected);
  const parts = Object.entries(result.data.by_category).map(([name, n]) => `${n} ${name}`);
  document.getElementById("batch-breakdown").textContent = parts.length ? ` (with reasons: ${parts.join(", ")})` : "";
  for (const s of result.data.sample) {
    const li = document.createElement("li");
    li.textContent = (s.score !== null ? `${s.score.toFixed(2)} · ` : "") + `[${s.reasons.join("; ")}] ` + s.body;  // text, never markup
    sample.append(li);
  }
  const tooMany = batchExpected > result.data.max_batch;
  if (tooMany) say(`More than ${result.data.max_batch} match: narrow the filter or the score range.`);
  document.getElementById("batch-confirm").disabled = batchExpected === 0 || tooMany;
  document.getElementById("batch-confirm").textContent = `${batchForm.action.value === "approve" ? "Approve" : "Reject"} all ${batchExpected}`;
}
function openBatch() {
  document.getElementById("batch-error").textContent = "";
  batchForm.reason_code.closest("label").hidden = batchForm.action.value === "approve";
  batchDialog.showModal();
  previewBatch();
}
batchForm.addEventListener("input", () => {
  // A reason is asked only of a rejection.
  batchForm.reason_code.closest("label").hidden = batchForm.action.value === "approve";
  previewBatch();
});
document.getElementById("batch-open").addEventListener("click", openBatch);
document.getElementById("batch-cancel").addEventListener("click", () => batchDialog.close());
document.getElementById("batch-confirm").addEventListener("click", async () => {
  const result = await api(withQuery("/api/batch", batchQuery()), {
    action: batchForm.action.value,
    expected: batchExpected,
    reason_code: batchForm.reason_code.value,
    note: batchForm.note.value,
  });
  if (!result.ok) {
    document.getElementById("batch-error").textContent = result.data.detail || "batch action failed";
    previewBatch();
    return;
  }
  batchDialog.close();
  const skipped = result.data.skipped.length ? `, ${result.data.skipped.length} skipped (claimed by colleagues)` : "";
  say(`${batchForm.action.value === "approve" ? "Approved" : "Rejected"} ${result.data.done}${skipped}.`);
  // The "resolved" live events remove the items from this page and the next pages load
  // as the list runs short; the total follows.
  refreshTotal();
});

// ------------------------------------------------------------------ reader actions (side panel)
panel.addEventListener("click", async (event) => {
  const section = event.target.closest(".panel-reader");
  if (!section) return;
  const reader = `${encodeURIComponent(section.dataset.siteId)}/${encodeURIComponent(section.dataset.authorId)}`;
  const reason_code = section.querySelector(".reader-reason").value;
  const note = section.querySelector(".reader-note").value;
  if (event.target.matches("button.reader-status")) {
    const status = event.target.dataset.status;
    const result = await api(`/api/readers/${reader}/status`, { status, reason_code, note });
    say(result.ok ? `Reader ${section.dataset.authorId}: ${status === "none" ? "lifted" : status}` : (result.data.detail || "reader action failed"));
  } else if (event.target.matches("button.reject-pending")) {
    const result = await api(`/api/readers/${reader}/reject-pending`, { reason_code, note });
    if (!result.ok) { say(result.data.detail || "could not reject"); return; }
    const skipped = result.data.skipped.length ? `, ${result.data.skipped.length} skipped (claimed by colleagues)` : "";
    say(`Rejected ${result.data.rejected} pending from ${section.dataset.authorId}${skipped}.`);
  } else return;
  // The panel again, as it is now, with the reason and note the moderator chose kept.
  const response = await fetch(`/readers/${reader}/panel`, { credentials: "same-origin" });
  if (!response.ok || !section.isConnected) return;
  const fresh = fragment(await response.text()).querySelector(".panel-reader");
  fresh.querySelector(".reader-reason").value = reason_code;
  fresh.querySelector(".reader-note").value = note;
  section.replaceWith(fresh);
});

// ------------------------------------------------------------------ clicks and keys
list.addEventListener("click", (event) => {
  const item = event.target.closest("article.item");
  if (!item) return;
  if (event.target.matches("button.approve")) { approve(item); return; }
  if (event.target.matches("button.reject")) { focusItem(item); openMenu(item); return; }
  if (event.target.matches("button.claim")) { toggleClaim(item); return; }
  if (event.target.matches("button.show-all")) { item.classList.toggle("all"); return; }
  const option = event.target.closest(".reason-menu .option");
  if (option) { menuItem = item; confirmMenu(option); return; }
  if (item !== current && !event.target.closest("input, .reason-menu")) focusItem(item);
});

document.getElementById("bulk-approve").addEventListener("click", () => bulk("approve"));
document.getElementById("bulk-reject").addEventListener("click", () => bulk("reject"));

// A key that cannot act on the current comment says why instead of doing nothing.
function blocked() {
  if (current) say(current.querySelector(".notice").textContent || "A colleague is working on this comment.");
  else say("Move to a comment first (j).");
}

function toggleHelp(show) {
  const help = document.getElementById("help");
  help.hidden = show === undefined ? !help.hidden : !show;
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (batchDialog.open) return;  // the dialog's own keys; Escape closes it
  if (menuItem) { if (menuKey(event)) event.preventDefault(); return; }
  if (event.key === "Escape") {
    toggleHelp(false);
    if (event.target.matches("input[type=checkbox]") && current) { current.focus({ preventScroll: true }); return; }
    if (event.target.matches("input, select, textarea")) event.target.blur();
    return;
  }
  // Typing goes to text fields; a tick box keeps the keys.
  if (event.target.closest("input:not([type=checkbox]), select, textarea")) return;
  const all = items();
  const at = current ? all.indexOf(current) : -1;
  const usable = current && !current.classList.contains("claimed");
  switch (event.key) {
    case "j":
      if (at === all.length - 1 && nextCursor) loadMore().then(() => focusItem(items()[at + 1]));
      else focusItem(all[Math.min(at + 1, all.length - 1)]);
      break;
    case "k": focusItem(all[Math.max(at - 1, 0)]); break;
    case "c": if (usable) toggleClaim(current); else blocked(); break;
    case "a": if (usable) approve(current); else blocked(); break;
    case "r": if (usable) openMenu(current); else blocked(); break;
    case "x": if (current) { const box = current.querySelector(".select"); box.checked = !box.checked; } break;
    case "s": if (current) current.classList.toggle("all"); break;
    case "b": openBatch(); break;
    case "?": toggleHelp(); break;
    default: return;
  }
  event.preventDefault();
});

// ------------------------------------------------------------------ live updates
// New held comments are fetched as server-rendered (escaped) fragments; the server answers
// 204 for one the current filters do not select.
const events = new EventSource("/events");
events.addEventListener("held", async (event) => {
  const data = JSON.parse(event.data);
  if (findItem(data.comment_id, data.revision)) return;
  const path = withQuery(`/items/${encodeURIComponent(data.comment_id)}/${data.revision}`);
  const response = await fetch(path, { credentials: "same-origin" });
  if (response.status !== 200) return;
  const item = fragment(await response.text()).firstElementChild;
  if (list.dataset.order === "newest") list.prepend(item);
  else if (!nextCursor) list.append(item);  // otherwise a later page brings it
  updateShown();
refreshAges();
list.querySelectorAll("article.item.claimed .notice time").forEach((t) => unlockAt(t.closest("article.item"), t.getAttribute("datetime")));
  refreshTotal();
});
events.addEventListener("claimed", (event) => {
  const data = JSON.parse(event.data);
  const item = findItem(data.comment_id, data.revision);
  if (item && data.holder !== me) { showClaim(item, claimText(data.holder, data.until), data.holder); unlockAt(item, data.until); }
});
events.addEventListener("released", (event) => {
  const data = JSON.parse(event.data);
  const item = findItem(data.comment_id, data.revision);
  if (item && data.holder !== me && item.classList.contains("claimed")) showClaim(item, "");
});
events.addEventListener("resolved", (event) => {
  const data = JSON.parse(event.data);
  const item = findItem(data.comment_id, data.revision);
  if (item) removeItem(item); else refreshTotal();
});

updateShown();
refreshAges();
list.querySelectorAll("article.item.claimed .notice time").forEach((t) => unlockAt(t.closest("article.item"), t.getAttribute("datetime")));
