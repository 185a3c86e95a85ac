// Moderator queue: keyboard, claims, approve/reject, bulk actions and live updates.
// Comment bodies arrive as server-escaped HTML; this script never builds markup from them.
"use strict";

const csrf = document.querySelector('meta[name="csrf-token"]').content;
const list = document.getElementById("items");
const message = document.getElementById("message");
let current = null;

function items() { return Array.from(list.querySelectorAll("article.item")); }
function keyOf(item) { return `${encodeURIComponent(item.dataset.commentId)}/${item.dataset.revision}`; }

async function api(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", "x-csrf-token": csrf },
    body: JSON.stringify(body || {}),
    credentials: "same-origin",
  });
  let data = {};
  try { data = await response.json(); } catch (e) { /* empty body */ }
  return { ok: response.ok, status: response.status, data };
}

function say(text) { message.textContent = text; }

function updateCount() {
  const n = items().length;
  document.getElementById("depth").textContent = String(n);
  document.getElementById("empty").hidden = n > 0;
}

function showClaim(item, text) {
  item.querySelector(".notice").textContent = text;
  const blocked = Boolean(text);
  item.classList.toggle("claimed", blocked);
  item.querySelectorAll(".actions button").forEach((b) => { b.disabled = blocked; });
}

async function select(item) {
  if (!item) return;
  if (current) current.classList.remove("current");
  current = item;
  item.classList.add("current");
  item.focus({ preventScroll: true });
  item.scrollIntoView({ block: "nearest" });
  const result = await api(`/api/items/${keyOf(item)}/claim`);
  showClaim(item, result.ok ? "" : (result.data.detail || "cannot claim this comment"));
}

function removeItem(item) {
  const all = items();
  const next = all[all.indexOf(item) + 1] || all[all.indexOf(item) - 1];
  item.remove();
  updateCount();
  if (item === current) { current = null; if (next) select(next); }
}

async function approve(item) {
  const result = await api(`/api/items/${keyOf(item)}/approve`);
  if (result.ok) { say(`Approved ${item.dataset.commentId}`); removeItem(item); }
  else showClaim(item, result.data.detail || "could not approve");
}

function openReject(item) {
  const form = item.querySelector(".reject-form");
  form.hidden = false;
  form.querySelector("select").focus();
}

async function reject(item, reasonCode, note) {
  const result = await api(`/api/items/${keyOf(item)}/reject`, { reason_code: reasonCode, note });
  if (result.ok) { say(`Rejected ${item.dataset.commentId}`); removeItem(item); }
  else showClaim(item, result.data.detail || "could not reject");
}

async function bulk(action) {
  const chosen = items().filter((i) => i.querySelector(".select").checked);
  if (!chosen.length) { say("Select comments first (x or the checkboxes)."); return; }
  const result = await api("/api/bulk", {
    action,
    reason_code: document.getElementById("bulk-reason").value,
    items: chosen.map((i) => ({ comment_id: i.dataset.commentId, revision: Number(i.dataset.revision) })),
  });
  if (!result.ok) { say(result.data.detail || "bulk action failed"); return; }
  for (const r of result.data.results) {
    const item = chosen.find((i) => i.dataset.commentId === r.comment_id && Number(i.dataset.revision) === r.revision);
    if (!item) continue;
    if (r.ok) removeItem(item); else showClaim(item, r.detail);
  }
  say(`${action}: ${result.data.results.filter((r) => r.ok).length} of ${chosen.length} done`);
}

list.addEventListener("click", (event) => {
  const item = event.target.closest("article.item");
  if (!item) return;
  if (event.target.matches("button.approve")) { approve(item); return; }
  if (event.target.matches("button.reject")) { openReject(item); return; }
  if (item !== current && !event.target.closest("form, input")) select(item);
});

list.addEventListener("submit", (event) => {
  event.preventDefault();
  const item = event.target.closest("article.item");
  const form = event.target;
  reject(item, form.reason_code.value, form.note.value);
});

document.getElementById("bulk-approve").addEventListener("click", () => bulk("approve"));
document.getElementById("bulk-reject").addEventListener("click", () => bulk("reject"));

document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
  const all = items();
  const at = current ? all.indexOf(current) : -1;
  switch (event.key) {
    case "j": select(all[Math.min(at + 1, all.length - 1)]); break;
    case "k": select(all[Math.max(at - 1, 0)]); break;
    case "a": if (current && !current.classList.contains("claimed")) approve(current); break;
    case "r": if (current && !current.classList.contains("claimed")) openReject(current); break;
    case "x": if (current) { const box = current.querySelector(".select"); box.checked = !box.checked; } break;
    case "?": document.getElementById("help").hidden = !document.getElementById("help").hidden; break;
    case "Escape": document.getElementById("help").hidden = true; break;
    default: return;
  }
  event.preventDefault();
});

// Live updates: new held comments are fetched as server-rendered (escaped) fragments.
const events = new EventSource("/events");
events.addEventListener("held", async (event) => {
  const data = JSON.parse(event.data);
  if (list.querySelector(`article.item[data-comment-id="${CSS.escape(data.comment_id)}"][data-revision="${data.revision}"]`)) return;
  const response = await fetch(`/items/${encodeURIComponent(data.comment_id)}/${data.revision}`, { credentials: "same-origin" });
  if (!response.ok) return;
  const template = document.createElement("template");
  template.innerHTML = (await response.text()).trim();
  const item = template.content.firstElementChild;
  if (list.dataset.order === "newest") list.prepend(item); else list.append(item);
  updateCount();
});
events.addEventListener("resolved", (event) => {
  const data = JSON.parse(event.data);
  const item = list.querySelector(`article.item[data-comment-id="${CSS.escape(data.comment_id)}"][data-revision="${data.revision}"]`);
  if (item) removeItem(item);
});
