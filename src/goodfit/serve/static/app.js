// goodfit's draw-a-digit page: pointer drawing, throttled predictions, test samples.
// Plain JS, no dependencies (the page must work offline). The server does all preprocessing.
"use strict";

const PEN_WIDTH = 20;       // of 280 px: close to MNIST's stroke once the digit is scaled to 20x20
const ERASER_WIDTH = 40;
const MIN_INTERVAL_MS = 100; // at most 10 prediction requests per second
const TOP_K = 5;

const $ = (id) => document.getElementById(id);
const canvas = $("canvas");
const ctx = canvas.getContext("2d");
let tool = "pen";
let hasInk = false;
let drawing = null;          // {id, x, y} of the pointer that draws
let version = 0;             // bumps on every change of the canvas
let floor = 0;               // answers to drawings older than this (before clear / a sample) are dropped

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
    schedulePredict();
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

// ------------------------------------------------------------------ predictions

let inFlight = false;
let pending = false;
let lastSent = -Infinity;
let timer = null;

function schedulePredict() {
  pending = true;
  pump();
}

// One request at a time, at least MIN_INTERVAL_MS apart; the last change is always sent.
function pump() {
  if (!pending || inFlight || timer) return;
  const wait = MIN_INTERVAL_MS - (performance.now() - lastSent);
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

async function predictCanvas() {
  const sent = version;
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  $("predictions").setAttribute("aria-busy", "true");
  try {
    const res = await fetch(`/api/predict?top_k=${TOP_K}`, {
      method: "POST", headers: { "Content-Type": "image/png" }, body: blob,
    });
    const body = await res.json();
    if (sent < floor || (sent !== version && pending)) return;  // cleared, or a newer drawing is on its way
    if (res.ok) {
      showPrediction(body.top, body.input_png);
      setStatus("");
    } else if (body.code === "empty_image") {
      showEmpty();
    } else {
      setStatus(body.detail || `error ${res.status}`, true);
    }
  } catch (err) {
    setStatus(`The server did not answer (${err.message}).`, true);
  } finally {
    $("predictions").setAttribute("aria-busy", "false");
  }
}

function showPrediction(top, png) {
  const bars = $("bars");
  bars.replaceChildren(...top.map((t, i) => {
    const li = document.createElement("li");
    li.dataset.rank = String(i + 1);
    li.dataset.class = t.class;
    const pct = (100 * t.probability).toFixed(1);
    li.setAttribute("aria-label", `${t.class}: ${pct} percent`);
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
    p.textContent = `${pct}%`;
    li.append(cls, track, p);
    return li;
  }));
  $("placeholder").hidden = true;
  const preview = $("preview");
  preview.src = png;
  preview.hidden = false;
}

function showEmpty() {
  $("bars").replaceChildren();
  $("placeholder").hidden = false;
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
    if (!res.ok) { setStatus(body.detail || `error ${res.status}`, true); return; }
    const img = new Image();
    await new Promise((resolve, reject) => { img.onload = resolve; img.onerror = reject; img.src = body.image_png; });
    clearCanvas();
    floor = version;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    hasInk = true;
    pending = false;  // show the prediction on the real test image, not on the redrawn canvas
    showPrediction(body.top, body.image_png);
    const guess = body.top[0].class;
    $("sample-info").textContent =
      `Test image #${body.test_index} of class ${name}: the network says ${guess}` +
      (guess === name ? " (right)." : " (wrong).");
  } catch (err) {
    setStatus(`Could not load a sample (${err.message}).`, true);
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
      b.setAttribute("aria-label", `Insert a test sample of class ${name}`);
      b.addEventListener("click", () => insertSample(k, name));
      box.append(b);
    });
  } else {  // many classes: a select keeps the page short
    const label = document.createElement("label");
    label.textContent = "Class ";
    const select = document.createElement("select");
    select.id = "sample-class";
    classes.forEach((name, k) => select.append(new Option(name, String(k))));
    label.append(select);
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = "Insert sample";
    b.addEventListener("click", () => insertSample(Number(select.value), classes[Number(select.value)]));
    box.append(label, b);
  }
  $("samples-panel").hidden = false;
}

// ------------------------------------------------------------------ start

async function start() {
  clearCanvas();
  showEmpty();
  try {
    const info = await (await fetch("/api/info")).json();
    const acc = info.test_accuracy == null ? "not tested" : `${(100 * info.test_accuracy).toFixed(1)}%`;
    $("model-info").textContent =
      `Model ${info.model} trained on ${info.dataset} · test accuracy ${acc} · run ${info.run}`;
    const [, h, w] = info.input_shape;
    $("preview-caption").textContent = `The ${h}×${w} image the model receives` +
      (info.style === "mnist" ? ": the ink cropped, scaled into 20×20 and centred, as in MNIST." : ".");
    $("preview").alt = `The ${h}×${w} image the model receives`;
    if (info.samples) buildSampleButtons(info.classes);
    document.body.dataset.ready = "true";
  } catch (err) {
    $("model-info").textContent = `The server did not answer (${err.message}).`;
  }
}
start();
