// bb-trace serve: the page. Everything it shows comes from Redis, which
// whoever publishes writes into, so text is only ever inserted with
// textContent and DOM calls (never innerHTML), and the only links it makes
// are to /chain/ followed by an id the server sent in canonical form.
"use strict";

const ROW = 28; // px per timeline row
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SVG = "http://www.w3.org/2000/svg";

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function svg(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
  return node;
}

function chainPath(id) {
  return UUID.test(id) ? "/chain/" + id : "/";
}

function status(text) {
  $("status").textContent = text || "";
}

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  let body = null;
  try {
    body = await response.json();
  } catch (e) {
    body = null;
  }
  if (!response.ok) {
    const detail = body && typeof body.detail === "string" ? body.detail : response.statusText;
    throw new Error(detail + " (" + response.status + ")");
  }
  return body;
}

function typeOf(event) {
  return event.summary && event.summary.event_type ? event.summary.event_type : "(no event record)";
}

function sourceOf(event) {
  const s = event.summary;
  if (!s) return "";
  return [s.source_app, s.source_host, s.source_type].filter((part) => part).join(" · ");
}

function formatGap(micros) {
  const abs = Math.abs(micros);
  let text;
  if (abs < 1000) text = micros + " µs";
  else if (abs < 1e6) text = (micros / 1000).toFixed(1) + " ms";
  else if (abs < 60e6) text = (micros / 1e6).toFixed(2) + " s";
  else if (abs < 3600e6) text = (micros / 60e6).toFixed(1) + " min";
  else text = (micros / 3600e6).toFixed(1) + " h";
  return (micros >= 0 ? "+" : "") + text;
}

function formatTime(micros) {
  if (micros === null || micros === undefined) return "";
  return new Date(micros / 1000).toISOString().replace("T", " ").replace("Z", " UTC");
}

// ---- The search page -------------------------------------------------------

async function showSearch(query) {
  $("query").value = query;
  const results = $("results");
  results.hidden = false;
  results.replaceChildren(el("h1", null, query ? "Events matching " + JSON.stringify(query) : "Recent events"));
  status("searching…");
  let answer;
  try {
    answer = await getJson("/ui/api/search?q=" + encodeURIComponent(query) + "&limit=50");
  } catch (e) {
    status(e.message);
    return;
  }
  status(answer.complete ? "" : "Redis holds more keys than one search reads: some events may be missing.");
  if (!answer.events.length) {
    results.append(el("p", "empty", "No event found."));
    return;
  }
  const list = el("ul", "results");
  for (const event of answer.events) {
    const item = el("li");
    const link = el("a", "result", null);
    link.href = chainPath(event.id);
    link.append(el("span", "type", typeOf(event)), el("span", "id", event.id));
    if (event.summary) link.append(el("span", "time", event.summary.timestamp));
    item.append(link);
    list.append(item);
  }
  results.append(list);
}

function onSearch(submitEvent) {
  submitEvent.preventDefault();
  const query = $("query").value.trim();
  const id = query.toLowerCase();
  if (UUID.test(id)) location.assign(chainPath(id));
  else location.assign("/?q=" + encodeURIComponent(query));
}

// ---- The chain -------------------------------------------------------------

const state = {
  focus: null,
  events: new Map(), // id -> event from /ui/api/chain, level made absolute
  order: [], // ids in time order
  selected: null,
  view: "timeline",
  truncated: [],
};

function merge(answer, baseLevel) {
  for (const event of answer.events) {
    const known = state.events.get(event.id);
    if (known) {
      for (const parent of event.parents) if (!known.parents.includes(parent)) known.parents.push(parent);
    } else {
      event.level += baseLevel;
      state.events.set(event.id, event);
    }
  }
  if (answer.truncated) state.truncated.push(answer.truncated);
  const time = (e) => (e.time_us === null ? Infinity : e.time_us);
  state.order = [...state.events.values()]
    .sort((a, b) => time(a) - time(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((e) => e.id);
}

// How many children of each event are loaded, counted once per drawing.
function loadedChildren() {
  const counts = new Map();
  for (const event of state.events.values())
    for (const parent of event.parents) counts.set(parent, (counts.get(parent) || 0) + 1);
  return counts;
}

async function expand(id, direction) {
  const event = state.events.get(id);
  status("loading…");
  try {
    const answer = await getJson(
      "/ui/api/chain/" + id + "?direction=" + direction + "&depth=2&limit=500"
    );
    merge(answer, event.level);
    status("");
  } catch (e) {
    status(e.message);
  }
  render();
}

// The first answer: three levels each way, at most 500 events each way; a
// row's "+N below" loads more from there.
function chainUrl(id) {
  return "/ui/api/chain/" + id + "?depth=3&limit=500";
}
window.bbChainUrl = chainUrl; // the benchmark's baseline fetches the same

async function showChain(id) {
  state.focus = id;
  $("chain").hidden = false;
  $("title").textContent = "Chain around " + id;
  status("loading…");
  try {
    merge(await getJson(chainUrl(id)), 0);
  } catch (e) {
    status(e.message);
    return;
  }
  status("");
  state.selected = id;
  render();
  setUpLive();
  // For scripts/bench/web.sh: the frame after the first timeline is drawn.
  requestAnimationFrame(() => performance.mark("bb-chain-painted"));
  showDetails(id);
}

function render() {
  const notes = [];
  if (state.truncated.length) notes.push("cut short: " + state.truncated[0]);
  $("notes").textContent = notes.join("; ");
  $("count").textContent = state.events.size + " events";
  $("timeline").hidden = state.view !== "timeline";
  $("graph").hidden = state.view !== "graph";
  $("show-timeline").setAttribute("aria-pressed", String(state.view === "timeline"));
  $("show-graph").setAttribute("aria-pressed", String(state.view === "graph"));
  if (state.view === "timeline") renderTimeline();
  else renderGraph();
}

function expandButtons(event, children) {
  const buttons = [];
  const moreChildren = event.child_count - (children.get(event.id) || 0);
  if (event.level >= 0 && moreChildren > 0) {
    const button = el("button", "expand", "+" + moreChildren + " below");
    button.dataset.expand = "descendants";
    buttons.push(button);
  }
  const moreParents = event.parent_count - event.parents.filter((p) => state.events.has(p)).length;
  if (event.level <= 0 && moreParents > 0) {
    const button = el("button", "expand", "+" + moreParents + " above");
    button.dataset.expand = "ancestors";
    buttons.push(button);
  }
  return buttons;
}

function renderTimeline() {
  const timeline = $("timeline");
  const events = state.order.map((id) => state.events.get(id));
  const minLevel = Math.min(...events.map((e) => e.level));
  const times = events.filter((e) => e.time_us !== null).map((e) => e.time_us);
  const t0 = Math.min(...times);
  const span = Math.max(1, Math.max(...times) - t0);

  const labels = el("div", "labels");
  const track = svg("svg", { class: "track", height: events.length * ROW, width: "100%" });
  const x = (e) => (e.time_us === null ? 98 : 2 + (96 * (e.time_us - t0)) / span);
  const rowOf = new Map(events.map((e, i) => [e.id, i]));
  const children = loadedChildren();

  events.forEach((event, i) => {
    const row = el("div", "row");
    row.id = "row-" + event.id;
    row.dataset.id = event.id;
    row.setAttribute("role", "option");
    row.setAttribute("aria-selected", String(event.id === state.selected));
    if (event.id === state.focus) row.classList.add("focus");
    row.style.paddingLeft = 8 + 16 * (event.level - minLevel) + "px";
    row.append(el("span", "type", typeOf(event)), el("span", "source", sourceOf(event)));
    const parentTimes = event.parents
      .map((p) => state.events.get(p))
      .filter((p) => p && p.time_us !== null)
      .map((p) => p.time_us);
    if (parentTimes.length && event.time_us !== null)
      row.append(el("span", "gap", formatGap(event.time_us - Math.max(...parentTimes))));
    if (event.time_from_link) row.append(el("span", "badge", "link time"));
    if (!event.known) row.append(el("span", "badge", "not in Redis"));
    if (event.arrived) row.classList.add("arrived");
    row.append(...expandButtons(event, children));
    labels.append(row);

    const y = i * ROW + ROW / 2;
    for (const parentId of event.parents) {
      const p = rowOf.get(parentId);
      if (p === undefined) continue;
      track.append(
        svg("line", { class: "edge", x1: x(state.events.get(parentId)) + "%", y1: p * ROW + ROW / 2, x2: x(event) + "%", y2: y })
      );
    }
    const dot = svg("circle", { cx: x(event) + "%", cy: y, r: 5, class: event.time_from_link ? "dot linked" : "dot" });
    if (event.id === state.selected) dot.classList.add("selected");
    dot.dataset.id = event.id;
    const title = svg("title");
    title.textContent = formatTime(event.time_us);
    dot.append(title);
    track.append(dot);
  });
  const axis = el("div", "axis");
  if (times.length) axis.append(el("span", null, formatTime(t0)), el("span", null, formatGap(span)));
  timeline.replaceChildren(labels, track, axis);
}

// Layered left to right: one column per level, each event drawn once
// however many parents it has.
function renderGraph() {
  const graph = $("graph");
  const events = state.order.map((id) => state.events.get(id));
  const columns = new Map();
  for (const event of events) {
    if (!columns.has(event.level)) columns.set(event.level, []);
    columns.get(event.level).push(event);
  }
  const levels = [...columns.keys()].sort((a, b) => a - b);
  const W = 220, H = 44, GAP_X = 60, GAP_Y = 12;
  const position = new Map();
  levels.forEach((level, c) => {
    columns.get(level).forEach((event, r) => position.set(event.id, { x: 10 + c * (W + GAP_X), y: 10 + r * (H + GAP_Y) }));
  });
  const rows = Math.max(...levels.map((l) => columns.get(l).length));
  const picture = svg("svg", { class: "dag", width: 20 + levels.length * (W + GAP_X), height: 20 + rows * (H + GAP_Y) });
  for (const event of events) {
    const to = position.get(event.id);
    for (const parentId of event.parents) {
      const from = position.get(parentId);
      if (!from) continue;
      const x1 = from.x + W, y1 = from.y + H / 2, x2 = to.x, y2 = to.y + H / 2;
      picture.append(svg("path", { class: "edge", d: `M${x1},${y1} C${x1 + GAP_X / 2},${y1} ${x2 - GAP_X / 2},${y2} ${x2},${y2}` }));
    }
  }
  for (const event of events) {
    const at = position.get(event.id);
    const node = svg("g", { class: "node", transform: `translate(${at.x},${at.y})` });
    node.dataset.id = event.id;
    if (event.id === state.selected) node.classList.add("selected");
    if (event.id === state.focus) node.classList.add("focus");
    node.append(svg("rect", { width: W, height: H, rx: 6 }));
    const type = svg("text", { x: 8, y: 18, class: "type" });
    type.textContent = typeOf(event).slice(0, 32);
    const id = svg("text", { x: 8, y: 35, class: "id" });
    id.textContent = event.id.slice(0, 8) + (event.time_from_link ? " · link time" : "");
    node.append(type, id);
    picture.append(node);
  }
  graph.replaceChildren(picture);
}

function select(id, withDetails) {
  state.selected = id;
  render();
  const row = $("row-" + id);
  if (row) row.scrollIntoView({ block: "nearest" });
  if (withDetails) showDetails(id);
}

function onChainClick(clickEvent) {
  const target = clickEvent.target.closest("[data-id], .row");
  const expandButton = clickEvent.target.closest("button[data-expand]");
  if (expandButton) {
    const row = expandButton.closest(".row");
    expand(row.dataset.id, expandButton.dataset.expand);
    return;
  }
  if (target && target.dataset.id) select(target.dataset.id, true);
}

function onKey(keyEvent) {
  if (!state.order.length) return;
  const at = Math.max(0, state.order.indexOf(state.selected));
  if (keyEvent.key === "ArrowDown" || keyEvent.key === "ArrowUp") {
    const next = Math.min(state.order.length - 1, Math.max(0, at + (keyEvent.key === "ArrowDown" ? 1 : -1)));
    select(state.order[next], false);
    keyEvent.preventDefault();
  } else if (keyEvent.key === "Enter") {
    showDetails(state.selected);
    keyEvent.preventDefault();
  }
}

// ---- Live ------------------------------------------------------------------
// With the Live switch on (by default under `bb-trace serve --follow`), the
// server streams the descendants of the chain's event published from then
// on (server-sent events); each is added to the timeline and the graph.

const live = { source: null };

function liveState(text, name) {
  const indicator = $("live-state");
  indicator.textContent = text;
  indicator.dataset.state = name;
}

function stopLive(text) {
  if (live.source) live.source.close();
  live.source = null;
  liveState(text || "", text ? "unavailable" : "off");
}

function addLiveEvent(data) {
  let event;
  try {
    event = JSON.parse(data);
  } catch (e) {
    return;
  }
  if (!event || typeof event.id !== "string" || !UUID.test(event.id) || state.events.has(event.id)) return;
  if (!Array.isArray(event.parents)) event.parents = [];
  event.arrived = true;
  merge({ events: [event], truncated: null }, 0);
  render();
}

function startLive() {
  stopLive();
  liveState("connecting…", "starting");
  const source = new EventSource("/ui/api/live/" + state.focus);
  live.source = source;
  source.addEventListener("live", () => liveState("live", "on"));
  source.addEventListener("message", (message) => addLiveEvent(message.data));
  source.addEventListener("unavailable", (message) =>
    stopLive("live updates unavailable: " + message.data)
  );
  source.addEventListener("end", () => stopLive("live updates ended: the server stopped"));
  source.addEventListener("error", () => {
    if (live.source !== source) return;
    if (source.readyState === EventSource.CLOSED) stopLive("live updates unavailable");
    else liveState("reconnecting…", "starting");
  });
}

async function setUpLive() {
  const toggle = $("live");
  let follow = false;
  try {
    follow = (await getJson("/ui/api/live")).follow === true;
  } catch (e) {
    liveState("live updates unavailable: " + e.message, "unavailable");
  }
  const chosen = localStorage.getItem("bb-live");
  toggle.checked = chosen === null ? follow : chosen === "on";
  toggle.addEventListener("change", () => {
    localStorage.setItem("bb-live", toggle.checked ? "on" : "off");
    if (toggle.checked) startLive();
    else stopLive();
  });
  if (toggle.checked) startLive();
}

// ---- Details ---------------------------------------------------------------

function field(list, name, value) {
  if (value === null || value === undefined || value === "") return;
  list.append(el("dt", null, name), el("dd", null, value));
}

async function showDetails(id) {
  const pane = $("details");
  pane.hidden = false;
  pane.replaceChildren(el("p", null, "loading…"));
  let details;
  try {
    details = await getJson("/ui/api/event/" + id);
  } catch (e) {
    pane.replaceChildren(el("p", "error", e.message));
    return;
  }
  const event = state.events.get(id);
  const heading = el("h2", null, typeOf(details));
  const idLine = el("p", "id-line");
  const idText = el("code", "event-id", details.id);
  const copy = el("button", "copy", "copy id");
  copy.addEventListener("click", () => copyText(details.id, copy));
  const reroot = el("a", "reroot", "re-root here");
  reroot.href = chainPath(details.id);
  idLine.append(idText, copy, reroot);

  const list = el("dl");
  const s = details.summary;
  if (s) {
    field(list, "time", s.timestamp);
    field(list, "source app", s.source_app);
    field(list, "source host", s.source_host);
    field(list, "source type", s.source_type);
  } else {
    field(list, "event record", "none (a link written by the Python tracker, or expired)");
  }
  field(list, "parents", String(details.parent_count));
  field(list, "children", String(details.child_count));
  if (event && event.level !== undefined) field(list, "level", String(event.level));
  if (details.link) {
    field(list, "linked at", details.link.created_at);
    field(list, "reason", details.link.reason);
  }
  pane.replaceChildren(heading, idLine, list);
  if (details.link) {
    pane.append(el("h3", null, "link metadata"), el("pre", "metadata", JSON.stringify(details.link.metadata, null, 2)));
  }
  for (const warning of details.warnings) pane.append(el("p", "warning", warning));
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "copied";
  } catch (e) {
    // No clipboard outside a secure context: select the id for Ctrl+C.
    const range = document.createRange();
    range.selectNodeContents(button.previousSibling);
    const selection = getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    button.textContent = "selected";
  }
}

// ---- Start -----------------------------------------------------------------

function start() {
  $("search").addEventListener("submit", onSearch);
  $("chain").addEventListener("click", onChainClick);
  $("timeline").addEventListener("keydown", onKey);
  $("show-timeline").addEventListener("click", () => {
    state.view = "timeline";
    render();
  });
  $("show-graph").addEventListener("click", () => {
    state.view = "graph";
    render();
  });
  const match = /^\/chain\/([^/]+)$/.exec(location.pathname);
  if (match) {
    const id = decodeURIComponent(match[1]).toLowerCase();
    if (UUID.test(id)) showChain(id);
    else status("Not an event id: " + id);
  } else {
    showSearch(new URLSearchParams(location.search).get("q") || "");
  }
}

start();
