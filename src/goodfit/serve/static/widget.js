// goodfit.draw(): the draw-a-digit page as an anywidget module (Jupyter, VS Code, Colab...).
// The kernel answers: the canvas goes to it as PNG bytes (`image`), the answer comes back as `top`.
// Sample buttons on the left, a Start/Stop toggle for live answers, probabilities or raw scores.

const PEN_WIDTH = 20;
const MIN_INTERVAL_MS = 100;

const fmt = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

function pngBytes(canvas) {  // synchronous: toBlob may wait for an idle period (see app.js)
  const url = canvas.toDataURL("image/png");
  const text = atob(url.slice(url.indexOf(",") + 1));
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return new DataView(bytes.buffer);
}

function render({ model, el: root }) {
  const T = model.get("messages");
  const info = model.get("info");
  root.classList.add("goodfit-draw");
  const canvas = el("canvas", { width: "280", height: "280", role: "img", "aria-label": T.canvas_label });
  const ctx = canvas.getContext("2d");
  const bars = el("ol", { class: "bars", "aria-label": T.bars_label });
  const status = el("p", { class: "status", role: "status" });
  const preview = el("img", { class: "preview", alt: fmt(T.preview_alt, { h: info.input_shape[1], w: info.input_shape[2] }) });
  const liveButton = el("button", { type: "button", "aria-pressed": "true" }, T.stop);
  const kind = el("select", {},
    el("option", { value: "probability" }, T.probability),
    el("option", { value: "score" }, info.score_kind === "read-out" ? T["read-out"] : T.logit));
  let live = true, drawing = null, lastSent = -Infinity, timer = null;

  const samples = el("div", { class: "samples", role: "group", "aria-label": T.samples_title });
  if (info.samples) {
    info.classes.forEach((name, k) => samples.append(el("button", {
      type: "button", "aria-label": fmt(T.insert_sample_of, { name }),
      onclick: () => model.send({ kind: "sample", label: k }),
    }, name)));
  }
  const state = info.trained ? T.trained : T.untrained;
  root.append(
    el("div", { class: "head" }, `${info.model} · ${info.dataset} · `, el("b", {}, state)),
    el("div", { class: "row" }, samples,
      el("div", {}, canvas, el("div", { class: "tools" },
        el("button", { type: "button", onclick: clear }, T["clear"]), liveButton, el("label", {}, `${T.show} `, kind))),
      el("div", { class: "answer" }, bars, preview, status)));

  function clear() {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    model.set("image", new DataView(new ArrayBuffer(0)));
    model.save_changes();
  }

  function send(now = false) {
    if (!live) return;
    const wait = now ? 0 : MIN_INTERVAL_MS - (performance.now() - lastSent);
    if (wait > 0) { if (!timer) timer = setTimeout(() => { timer = null; send(true); }, wait); return; }
    lastSent = performance.now();
    model.set("image", pngBytes(canvas));
    model.save_changes();
  }

  function stroke(x0, y0, x1, y1) {
    ctx.strokeStyle = ctx.fillStyle = "#fff";
    ctx.lineWidth = PEN_WIDTH;
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.beginPath();
    if (x0 === x1 && y0 === y1) { ctx.arc(x0, y0, PEN_WIDTH / 2, 0, 2 * Math.PI); ctx.fill(); }
    else { ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke(); }
    send();
  }
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * (canvas.width / r.width), (e.clientY - r.top) * (canvas.height / r.height)];
  };
  canvas.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    const [x, y] = at(e);
    drawing = { id: e.pointerId, x, y };
    stroke(x, y, x, y);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing || e.pointerId !== drawing.id) return;
    const [x, y] = at(e);
    stroke(drawing.x, drawing.y, x, y);
    drawing.x = x; drawing.y = y;
  });
  const end = () => { if (drawing) { drawing = null; send(true); } };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  liveButton.addEventListener("click", () => {
    live = !live;
    liveButton.setAttribute("aria-pressed", String(live));
    liveButton.textContent = live ? T.stop : T.start;
    status.textContent = live ? "" : T.stopped;
    if (live) send(true);
  });

  function showTop() {
    const top = model.get("top");
    bars.replaceChildren(...top.map((t) => {
      const value = kind.value === "probability" ? `${(100 * t.probability).toFixed(1)}%`
        : (info.score_kind === "read-out" ? String(Math.round(t.score)) : t.score.toFixed(2));
      const fill = el("span", { class: "fill" });
      fill.style.width = `${Math.max(0.5, 100 * t.probability)}%`;
      return el("li", { "data-class": t.class }, el("span", { class: "cls" }, t.class),
        el("span", { class: "track" }, fill), el("span", { class: "pct" }, value));
    }));
    const png = model.get("input_png");
    preview.hidden = !png;
    if (png) preview.src = png;
    if (live || model.get("error")) status.textContent = model.get("error");
  }
  kind.addEventListener("change", showTop);
  model.on("change:top", showTop);
  model.on("change:error", showTop);
  model.on("msg:custom", (msg) => {
    if (msg.kind !== "sample") return;
    const img = new Image();
    img.onload = () => { ctx.drawImage(img, 0, 0, canvas.width, canvas.height); };
    img.src = msg.image_png;
  });
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  showTop();
}

export default { render };
