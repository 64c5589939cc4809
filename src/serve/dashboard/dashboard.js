// The ghl-migrate dashboard: reads the plan and the run's status from the API, then follows
// the event stream (server-sent events). No external asset; text only through textContent.
"use strict";

const API = "/api/v1/migration";
let migrationId = null;
let lastState = null;
const activity = [];

const $ = (id) => document.getElementById(id);

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function fill(list, items, render, empty) {
  list.replaceChildren();
  if (!items || items.length === 0) {
    list.appendChild(el("li", empty, "muted"));
    return;
  }
  for (const item of items) list.appendChild(render(item));
}

async function call(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(API + path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || ("HTTP " + response.status));
  return data;
}

function showError(err) {
  const e = $("error");
  if (err) {
    e.textContent = err.message || String(err);
    e.hidden = false;
  } else {
    e.hidden = true;
  }
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const s = Math.round(seconds);
  if (s < 60) return s + " s";
  const m = Math.floor(s / 60);
  return m + " min " + (s % 60) + " s";
}

function renderPlan(plan) {
  $("plan-missing").hidden = true;
  $("plan-body").hidden = false;
  $("plan-path").textContent = plan.path;
  $("readiness").textContent = plan.mapping.overall_readiness_percent + " %";
  $("fields-mapped").textContent = plan.mapping.fields_mapped;
  $("pipelines-mapped").textContent = plan.mapping.pipelines_mapped;
  $("stages-mapped").textContent = plan.mapping.stages_mapped;
  $("steps").textContent = plan.steps;
  const body = $("summary").querySelector("tbody");
  body.replaceChildren();
  for (const [kind, counts] of Object.entries(plan.summary)) {
    if (typeof counts !== "object") continue;
    const parts = Object.entries(counts).map(([what, n]) => what + " " + n);
    const tr = el("tr");
    tr.appendChild(el("td", kind.replace(/_/g, " ")));
    tr.appendChild(el("td", parts.length ? parts.join(", ") : "nothing"));
    body.appendChild(tr);
  }
  const more = plan.not_done_total - plan.not_done.length;
  fill($("not-done"), plan.not_done, (n) => {
    const li = el("li");
    li.appendChild(el("code", n.id));
    li.appendChild(document.createTextNode(" " + n.outcome + ": " + n.reason));
    return li;
  }, "nothing: the plan does everything it was asked to");
  if (more > 0) $("not-done").appendChild(el("li", "… and " + more + " more (see the plan file)", "muted"));
  fill($("warnings"), plan.warnings, (w) => el("li", w), "none");
}

async function loadPlan() {
  try {
    renderPlan(await call("GET", "/plan"));
  } catch (err) {
    $("plan-missing").hidden = false;
    $("plan-body").hidden = true;
  }
}

function bar(kind) {
  const outer = el("div", null, "bar");
  const total = kind.total || 1;
  const done = el("div");
  done.style.width = (100 * kind.done / total) + "%";
  outer.appendChild(done);
  if (kind.failed + kind.blocked > 0) {
    const bad = el("div", null, "fail");
    bad.style.left = (100 * kind.done / total) + "%";
    bad.style.width = (100 * (kind.failed + kind.blocked) / total) + "%";
    outer.appendChild(bad);
  }
  outer.title = kind.done + " done of " + kind.total;
  return outer;
}

function rateLimit(r) {
  if (!r) return "–";
  const parts = ["batch " + r.batch_size];
  if (r.rate_limit_delay !== undefined) parts.push("delay " + r.rate_limit_delay + " s");
  if (r.server && r.server.max !== null && r.server.max !== undefined) {
    parts.push(r.server.remaining + "/" + r.server.max + " left per " + (r.server.interval_ms / 1000) + " s");
  }
  if (r.server && r.server.daily_remaining !== null && r.server.daily_remaining !== undefined) {
    parts.push(r.server.daily_remaining + " left today");
  }
  return parts.join(" · ");
}

function renderStatus(s) {
  lastState = s.state;
  const state = $("state");
  state.textContent = s.state.replace(/_/g, " ");
  state.className = "state " + s.state;
  $("message").textContent = s.message || "";
  $("overall").textContent = s.overall.current + " / " + s.overall.total + " (" + s.overall.percentage + " %)";
  $("rate").textContent = s.objects_per_second === null ? "–" : s.objects_per_second;
  $("eta").textContent = duration(s.eta_seconds);
  $("rate-limit").textContent = rateLimit(s.rate_limit);
  const body = $("kinds").querySelector("tbody");
  body.replaceChildren();
  for (const k of s.kinds) {
    const tr = el("tr");
    tr.dataset.kind = k.kind;
    tr.appendChild(el("td", k.stage.replace(/_/g, " ")));
    const cell = el("td");
    cell.appendChild(bar(k));
    tr.appendChild(cell);
    tr.appendChild(el("td", k.done + " / " + k.total, "num"));
    tr.appendChild(el("td", k.failed, "num"));
    tr.appendChild(el("td", k.blocked, "num"));
    tr.appendChild(el("td", k.pending, "num"));
    body.appendChild(tr);
  }
  fill($("failures"), s.recent_failures.slice().reverse(), (f) => {
    const li = el("li");
    li.appendChild(el("code", f.id));
    li.appendChild(document.createTextNode(" " + f.status + ": " + f.reason));
    return li;
  }, "none");
  const active = s.state === "running" || s.state === "stopping";
  // A new plan over a stopped run would leave it unresumable (the server refuses it too).
  $("do-plan").disabled = active || s.state === "stopped" || s.state === "running_elsewhere";
  $("do-apply").disabled = active || s.state === "no_plan" || s.state === "stopped";
  $("do-stop").disabled = s.state !== "running";
  $("do-resume").disabled = s.state !== "stopped";
}

function noteEvent(e) {
  const label = e.event.replace(/_/g, " ");
  const what = e.id ? e.id : (e.reason || "");
  activity.unshift(label + " " + what);
  activity.length = Math.min(activity.length, 12);
  fill($("activity"), activity, (a) => el("li", a), "");
}

function connect() {
  const source = new EventSource(API + "/events/" + encodeURIComponent(migrationId));
  let updated = null;
  source.addEventListener("open", () => { $("stream").textContent = updated ? "live, " + updated : "live"; });
  source.addEventListener("error", () => {
    $("stream").textContent = (updated ? updated + ", " : "") + "reconnecting";
  });
  source.addEventListener("status", (m) => {
    renderStatus(JSON.parse(m.data));
    updated = "updated " + new Date().toLocaleTimeString();
    $("stream").textContent = "live, " + updated;
  });
  source.addEventListener("progress", (m) => noteEvent(JSON.parse(m.data)));
}

async function loadConfig() {
  const c = await call("GET", "/config");
  $("batch-size").value = c.batch_size;
  $("rate-limit-delay").value = c.rate_limit_delay;
  $("origins").textContent =
    "batch size from " + c.origins.batch_size + "; delay from " + c.origins.rate_limit_delay;
}

async function act(run) {
  showError(null);
  try {
    await run();
  } catch (err) {
    showError(err);
  }
}

function wire() {
  $("do-plan").addEventListener("click", () => act(async () => {
    $("message").textContent = "planning…";
    await call("POST", "/plan");
    await loadPlan();
    renderStatus(await call("GET", "/status/" + encodeURIComponent(migrationId)));
  }));
  $("do-apply").addEventListener("click", () => act(() => call("POST", "/apply", {})));
  $("do-stop").addEventListener("click", () => act(() => call("POST", "/stop/" + encodeURIComponent(migrationId))));
  $("do-resume").addEventListener("click", () => act(() => call("POST", "/resume/" + encodeURIComponent(migrationId))));
  $("pacing").addEventListener("submit", (e) => {
    e.preventDefault();
    act(async () => {
      await call("POST", "/config/update", {
        batch_size: Number($("batch-size").value),
        rate_limit_delay: Number($("rate-limit-delay").value),
      });
      await loadConfig();
    });
  });
}

async function main() {
  wire();
  try {
    const env = await call("GET", "/debug/env");
    migrationId = env.migration_id;
    $("migration-id").textContent = migrationId;
    await loadPlan();
    await loadConfig();
    renderStatus(await call("GET", "/status/" + encodeURIComponent(migrationId)));
    connect();
  } catch (err) {
    showError(err);
  }
}

main();
