// goodfit's draw-a-digit page: pointer drawing, live predictions (a Start/Stop toggle that stops by
// itself when the learner moves on), raw scores, a model that may change while training (--watch),
// test samples. Plain JS, no dependencies (the page must work offline). The server does all
// preprocessing; every text comes from the server's catalog (T, in the page's language).
"use strict";

const PEN_WIDTH = 20;       // of 280 px: close to MNIST's stroke once the digit is scaled to 20x20
const ERASER_WIDTH = 40;
const MIN_INTERVAL_MS = 100; // while drawing, at most 10 prediction requests per second
const TOP_K = 5;
const params = new URLSearchParams(location.search);
const AUTOSTOP_S = Number(params.get("autostop")) || 120;  // live predictions stop after this long idle
const INFO_POLL_MS = 1000;   // --watch: how often the page asks whether a new checkpoint is served

const $ = (id) => document.getElementById(id);
const T = JSON.parse($("messages").textContent);
const fmt = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
const canvas = $("canvas");
const ctx = canvas.getContext("2d");
let tool = "pen";
let hasInk = false;
let drawing = null;          // {id, x, y} of the pointer that draws
let version = 0;             // bumps on every change of the canvas
let floor = 0;               // answers to drawings older than this (before clear / a sample) are dropped
let shown = -1;              // the drawing version whose answer the bars show
let live = true;             // the Start/Stop toggle
let lastActivity = performance.now();
let lift = null;             // {version, time} of the last pen lift, until its answer is shown
let lastTop = null;          // the answer shown, for re-rendering when the score kind changes
let info = null;             // /api/info
window.goodfitLatencies = [];  // ms from pen lift to the finished drawing's answer (read by the tests)

// ------------------------------------------------------------------ drawing

function clearCanvas() {
  ctx.globalCompositeOperation = "source-over";
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  hasInk = false;
  version++;
}

function toCanvas(event) {
  const r = canvas.getBoundingClientRect();
  return [(event.clientX - r.left) * (canvas.width / r.width), (event.clientY - r.top) * (canvas.height / r.height)];
}

function stroke(x0, y0, x1, y1) {
  const width = tool === "pen" ? PEN_WIDTH : ERASER_WIDTH;
  ctx.strokeStyle = ctx.fillStyle = tool === "pen" ? "#fff" : "#000";
  ctx.lineWidth = width;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.beginPath();
  if (x0 === x1 && y0 === y1) {  // a click: canvas does not stroke zero-length lines, so draw a dot
    ctx.arc(x0, y0, width / 2, 0, 2 * Math.PI);
    ctx.fill();
  } else {
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.stroke();
  }
  if (tool === "pen") hasInk = true;
  version++;
  schedulePredict();
}

// Whether any pixel is lit (after the eraser, the flag alone may be stale). ~0.3 ms for 280x280.
function canvasHasInk() {
  if (!hasInk) return false;
  const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 0; i < d.length; i += 4) if (d[i] > 0) return true;
  hasInk = false;
  return false;
}

canvas.addEventListener("pointerdown", (e) => {
  if (e.button !== 0 && e.pointerType === "mouse") return;
  e.preventDefault();
  try { canvas.setPointerCapture(e.pointerId); } catch (_) { /* synthetic pointers cannot be captured */ }
  const [x, y] = toCanvas(e);
  drawing = { id: e.pointerId, x, y };
  stroke(x, y, x, y);  // a dot for a click
});

canvas.addEventListener("pointermove", (e) => {
  if (!drawing || e.pointerId !== drawing.id) return;
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
  for (const ev of events.length ? events : [e]) {
    const [x, y] = toCanvas(ev);
    stroke(drawing.x, drawing.y, x, y);
    drawing.x = x;
    drawing.y = y;
  }
});

function endStroke(e) {
  if (drawing && e.pointerId === drawing.id) {
    drawing = null;
    lift = { version, time: performance.now() };
    schedulePredict(true);
  }
}
canvas.addEventListener("pointerup", endStroke);
canvas.addEventListener("pointercancel", endStroke);

function setTool(name) {
  tool = name;
  $("pen").setAttribute("aria-pressed", String(name === "pen"));
  $("eraser").setAttribute("aria-pressed", String(name === "eraser"));
  canvas.classList.toggle("erasing", name === "eraser");
}
$("pen").addEventListener("click", () => setTool("pen"));
$("eraser").addEventListener("click", () => setTool("eraser"));
$("clear").addEventListener("click", () => {
  clearCanvas();
  floor = version;
  showEmpty();
  $("sample-info").textContent = "";
});

// ------------------------------------------------------------------ live toggle and autostop

function setLive(on, reason = "") {
  live = on;
  const button = $("live");
  button.setAttribute("aria-pressed", String(on));
  button.textContent = on ? T.stop : T.start;
  if (on) {
    lastActivity = performance.now();
    setStatus("");
    schedulePredict(true);  // the drawing may have changed while stopped
  } else {
    pending = false;
    clearTimeout(timer);
    timer = null;
    setStatus(reason || T.stopped);
  }
}
$("live").addEventListener("click", () => setLive(!live));

function touch() { lastActivity = performance.now(); }
for (const type of ["pointerdown", "pointermove", "keydown"]) canvas.addEventListener(type, touch);
document.addEventListener("click", touch);
setInterval(() => {
  if (live && performance.now() - lastActivity > AUTOSTOP_S * 1000) setLive(false, fmt(T.autostopped, { seconds: AUTOSTOP_S }));
}, 1000);
document.addEventListener("visibilitychange", () => {
  if (document.hidden && live) setLive(false, T.hidden_stopped);
});

$("score-kind").addEventListener("change", () => { if (lastTop) renderBars(lastTop); });

// ------------------------------------------------------------------ predictions

let inFlight = false;
let pending = false;
let lastSent = -Infinity;
let timer = null;

// urgent (the pen lifted, the model changed): no waiting for the interval, only for the request in flight
function schedulePredict(urgent = false) {
  if (!live) return;
  pending = true;
  if (urgent && timer) { clearTimeout(timer); timer = null; }
  pump(urgent);
}

// One request at a time, at least MIN_INTERVAL_MS apart while drawing; the last change is always sent.
function pump(urgent = false) {
  if (!pending || inFlight || timer || !live) return;
  const wait = urgent || drawing === null ? 0 : MIN_INTERVAL_MS - (performance.now() - lastSent);
  if (wait > 0) {
    timer = setTimeout(() => { timer = null; pump(); }, wait);
    return;
  }
  pending = false;
  if (!canvasHasInk()) { showEmpty(); return; }  // nothing to ask the server about
  inFlight = true;
  lastSent = performance.now();
  predictCanvas().finally(() => { inFlight = false; pump(); });
}

// The canvas as PNG bytes, encoded now. Not canvas.toBlob: Chromium runs its encoder as an idle task,
// and while the page is busy (drawing, answers arriving) that waits up to its 1-s timeout.
function canvasPng() {
  const url = canvas.toDataURL("image/png");
  const text = atob(url.slice(url.indexOf(",") + 1));
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

async function predictCanvas() {
  const sent = version;
  const body = canvasPng();
  $("predictions").setAttribute("aria-busy", "true");
  try {
    const res = await fetch(`/api/predict?top_k=${TOP_K}`, {
      method: "POST", headers: { "Content-Type": "image/png" }, body,
    });
    const answer = await res.json();
    if (sent < floor || sent < shown) return;  // cleared meanwhile, or a newer answer is already shown
    if (res.ok) {
      shown = sent;
      showPrediction(answer.top, answer.input_png, sent !== version);  // provisional: the canvas changed since
      if (live) setStatus("");
      if (lift && sent >= lift.version) {  // the finished drawing's answer
        window.goodfitLatencies.push(performance.now() - lift.time);
        lift = null;
      }
    } else if (answer.code === "empty_image") {
      showEmpty();
    } else {
      setStatus(answer.detail || fmt(T.error_status, { status: res.status }), true);
    }
  } catch (err) {
    setStatus(fmt(T.no_answer, { error: err.message }), true);
  } finally {
    $("predictions").setAttribute("aria-busy", "false");
  }
}

function showPrediction(top, png, provisional = false) {
  lastTop = top;
  renderBars(top);
  $("predictions").dataset.provisional = String(provisional);
  $("provisional").hidden = !provisional;
  $("placeholder").hidden = true;
  const preview = $("preview");
  preview.src = png;
  preview.hidden = false;
}

// The bars' length is the probability; the number beside it the probability or the raw score.
function scoreText(t) {
  if ($("score-kind").value === "probability") return `${(100 * t.probability).toFixed(1)}%`;
  return info && info.score_kind === "read-out" ? String(Math.round(t.score)) : t.score.toFixed(2);
}

function renderBars(top) {
  const bars = $("bars");
  bars.replaceChildren(...top.map((t, i) => {
    const li = document.createElement("li");
    li.dataset.rank = String(i + 1);
    li.dataset.class = t.class;
    const value = scoreText(t);
    li.setAttribute("aria-label", fmt(T.bar_label, { cls: t.class, value }));
    const cls = document.createElement("span");
    cls.className = "cls";
    cls.textContent = t.class;
    const track = document.createElement("span");
    track.className = "track";
    const fill = document.createElement("span");
    fill.className = "fill";
    fill.style.display = "block";
    fill.style.width = `${Math.max(0.5, 100 * t.probability)}%`;
    track.append(fill);
    const p = document.createElement("span");
    p.className = "pct";
    p.textContent = value;
    li.append(cls, track, p);
    return li;
  }));
}

function showEmpty() {
  lastTop = null;
  $("bars").replaceChildren();
  $("placeholder").hidden = false;
  $("provisional").hidden = true;
  $("predictions").dataset.provisional = "false";
  $("preview").hidden = true;
}

function setStatus(text, isError = false) {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("error", isError);
}

// ------------------------------------------------------------------ test samples

async function insertSample(label, name) {
  setStatus("");
  try {
    const res = await fetch(`/api/samples/${label}?top_k=${TOP_K}`);
    const body = await res.json();
    if (!res.ok) { setStatus(body.detail || fmt(T.error_status, { status: res.status }), true); return; }
    const img = new Image();
    await new Promise((resolve, reject) => { img.onload = resolve; img.onerror = reject; img.src = body.image_png; });
    clearCanvas();
    floor = version;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    hasInk = true;
    pending = false;  // show the prediction on the real test image, not on the redrawn canvas
    shown = version;
    showPrediction(body.top, body.image_png);
    const guess = body.top[0].class;
    $("sample-info").textContent = fmt(guess === name ? T.sample_right : T.sample_wrong,
      { index: body.test_index, name, guess });
  } catch (err) {
    setStatus(fmt(T.sample_failed, { error: err.message }), true);
  }
}

function buildSampleButtons(classes) {
  const box = $("sample-buttons");
  if (classes.length <= 20) {
    classes.forEach((name, k) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = name;
      b.dataset.label = String(k);
      b.setAttribute("aria-label", fmt(T.insert_sample_of, { name }));
      b.addEventListener("click", () => insertSample(k, name));
      box.append(b);
    });
  } else {  // many classes: a select keeps the page short
    const label = document.createElement("label");
    label.textContent = `${T.class} `;
    const select = document.createElement("select");
    select.id = "sample-class";
    classes.forEach((name, k) => select.append(new Option(name, String(k))));
    label.append(select);
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = T.insert_sample;
    b.addEventListener("click", () => insertSample(Number(select.value), classes[Number(select.value)]));
    box.append(label, b);
  }
  $("samples-panel").hidden = false;
}

// ------------------------------------------------------------------ the model, and its updates (--watch)

const pct = (x) => (x == null ? T.not_tested : `${(100 * x).toFixed(1)}%`);

function showInfo(next) {
  const changed = info !== null && next.version !== info.version;
  info = next;
  const state = $("model-state");
  state.hidden = false;
  state.dataset.trained = String(info.trained);
  let text;
  if (!info.trained) {
    text = fmt(T.info_untrained, { model: info.model, dataset: info.dataset });
    state.textContent = T.untrained;
  } else if (info.watch) {
    text = fmt(T.info_epoch, { model: info.model, dataset: info.dataset, epoch: info.epoch, epochs: info.epochs,
      accuracy: pct(info.valid_accuracy) });
    state.textContent = fmt("{epoch}/{epochs}", info);
  } else {
    text = fmt(T.info_trained, { model: info.model, dataset: info.dataset, accuracy: pct(info.test_accuracy),
      run: info.run });
    state.textContent = T.trained;
  }
  if (info.watch) text += ` · ${T[info.training] || info.training}`;
  $("model-info").textContent = text;
  $("model-info").dataset.epoch = String(info.epoch);
  $("score-option").textContent = info.score_kind === "read-out" ? T["read-out"] : T.logit;
  if (changed && !drawing && canvasHasInk()) schedulePredict(true);  // the new model's answer
}

async function followTraining() {
  while (info && info.watch) {
    await new Promise((resolve) => setTimeout(resolve, INFO_POLL_MS));
    try {
      const next = await (await fetch("/api/info")).json();
      if (next.version !== info.version || next.training !== info.training) showInfo(next);
      if (next.training === "finished" || next.training === "failed") return;
    } catch (err) { /* the server restarts or stops: try again */ }
  }
}

// ------------------------------------------------------------------ start

async function start() {
  clearCanvas();
  showEmpty();
  try {
    showInfo(await (await fetch("/api/info")).json());
    const [, h, w] = info.input_shape;
    $("preview-caption").textContent = fmt(info.style === "mnist" ? T.preview_caption_mnist : T.preview_caption, { h, w });
    $("preview").alt = fmt(T.preview_alt, { h, w });
    if (info.samples) buildSampleButtons(info.classes);
    document.body.dataset.ready = "true";
    followTraining();
  } catch (err) {
    $("model-info").textContent = fmt(T.no_answer, { error: err.message });
  }
}
start();
