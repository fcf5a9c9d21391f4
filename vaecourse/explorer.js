// The latent explorers' front end: it holds the decoder's weights and draws every frame itself.
//
// In Jupyter this module is an anywidget (the default export's `render`); on the static course
// site `mount(element, url)` runs the same code on a state saved by vaecourse.widgets. The
// decoder is the spec made by vaecourse/portable.py, evaluated node by node in float64, exactly
// as portable.forward does in NumPy. Dragging a slider or the map decodes and paints in the next
// animation frame and sends nothing to the kernel; the latent point is synced when the drag ends.
// A decoder the browser cannot run comes without a spec: then the kernel decodes each frame and
// at most one request is in flight, so a slow connection shows fewer frames, never old ones.

// --- the decoder ---------------------------------------------------------------------------

const ACTIVATIONS = {
  linear: (x) => x,
  relu: (x) => (x > 0 ? x : 0),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: (x) => Math.tanh(x),
};

function floats(view) {
  // A copy: the widget's bytes need not start on a 4-byte boundary.
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
  return new Float32Array(bytes.buffer);
}

// (output size, padding before) of a convolution along one axis, as Keras counts them.
function padding(size, kernel, stride, mode) {
  if (mode === "valid") return [Math.floor((size - kernel) / stride) + 1, 0];
  const out = Math.ceil(size / stride);
  return [out, Math.floor(Math.max((out - 1) * stride + kernel - size, 0) / 2)];
}

function slice(weights, ref) {
  const size = ref.shape.reduce((a, b) => a * b, 1);
  return weights.subarray(ref.offset, ref.offset + size);
}

function activate(values, name) {
  const f = ACTIVATIONS[name];
  for (let i = 0; i < values.length; i++) values[i] = f(values[i]);
  return values;
}

function withBias(size, channels, weights, node) {
  const out = new Float64Array(size);
  if (node.bias) {
    const bias = slice(weights, node.bias);
    for (let i = 0; i < size; i++) out[i] = bias[i % channels];
  }
  return out;
}

const OPS = {
  dense(node, [x], weights) {
    const kernel = slice(weights, node.kernel);
    const [inputs, units] = node.kernel.shape;
    const y = withBias(units, units, weights, node);
    for (let i = 0; i < inputs; i++) {
      const xi = x.data[i];
      if (xi === 0) continue; // after a ReLU about half the inputs are zero
      const row = i * units;
      for (let j = 0; j < units; j++) y[j] += xi * kernel[row + j];
    }
    return { data: activate(y, node.activation), shape: [units] };
  },
  conv(node, [x], weights) {
    const kernel = slice(weights, node.kernel);
    const [kh, kw, cin, cout] = node.kernel.shape;
    const [h, w] = x.shape;
    const [oh, top] = padding(h, kh, node.strides[0], node.padding);
    const [ow, left] = padding(w, kw, node.strides[1], node.padding);
    const y = withBias(oh * ow * cout, cout, weights, node);
    for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
      const o = (oy * ow + ox) * cout;
      for (let a = 0; a < kh; a++) {
        const iy = oy * node.strides[0] + a - top;
        if (iy < 0 || iy >= h) continue;
        for (let b = 0; b < kw; b++) {
          const ix = ox * node.strides[1] + b - left;
          if (ix < 0 || ix >= w) continue;
          const i = (iy * w + ix) * cin;
          for (let ci = 0; ci < cin; ci++) {
            const xv = x.data[i + ci];
            if (xv === 0) continue;
            const k = ((a * kw + b) * cin + ci) * cout;
            for (let co = 0; co < cout; co++) y[o + co] += xv * kernel[k + co];
          }
        }
      }
    }
    return { data: activate(y, node.activation), shape: [oh, ow, cout] };
  },
  conv_transpose(node, [x], weights) {
    const kernel = slice(weights, node.kernel); // (kh, kw, out, in), as Keras stores it
    const [kh, kw, cout, cin] = node.kernel.shape;
    const [h, w] = x.shape;
    const [sh, sw] = node.strides;
    const same = node.padding === "same";
    const oh = same ? h * sh : h * sh + Math.max(kh - sh, 0);
    const ow = same ? w * sw : w * sw + Math.max(kw - sw, 0);
    const top = padding(oh, kh, sh, node.padding)[1];
    const left = padding(ow, kw, sw, node.padding)[1];
    const y = withBias(oh * ow * cout, cout, weights, node);
    for (let iy = 0; iy < h; iy++) for (let ix = 0; ix < w; ix++) {
      const i = (iy * w + ix) * cin;
      for (let a = 0; a < kh; a++) {
        const oy = iy * sh + a - top;
        if (oy < 0 || oy >= oh) continue;
        for (let b = 0; b < kw; b++) {
          const ox = ix * sw + b - left;
          if (ox < 0 || ox >= ow) continue;
          const o = (oy * ow + ox) * cout;
          const k = (a * kw + b) * cout * cin;
          for (let co = 0; co < cout; co++) {
            let sum = 0;
            const kc = k + co * cin;
            for (let ci = 0; ci < cin; ci++) sum += x.data[i + ci] * kernel[kc + ci];
            y[o + co] += sum;
          }
        }
      }
    }
    return { data: activate(y, node.activation), shape: [oh, ow, cout] };
  },
  reshape: (node, [x]) => ({ data: x.data, shape: node.shape }),
  concat(node, parts) {
    const data = new Float64Array(parts.reduce((n, p) => n + p.data.length, 0));
    let at = 0;
    for (const part of parts) { data.set(part.data, at); at += part.data.length; }
    return { data, shape: [data.length] };
  },
  activation: (node, [x]) => ({ data: activate(Float64Array.from(x.data), node.activation), shape: x.shape }),
  identity: (node, [x]) => x,
};

// Every node of a spec in order, from its inputs ({name: {data, shape}}): the values of its output.
function evaluate(spec, weights, values) {
  for (const node of spec.nodes) {
    values[node.name] = OPS[node.op](node, node.inputs.map((name) => values[name]), weights);
  }
  return values[spec.output].data;
}

// The judge of vaecourse/judge.py from its spec: read(means) -> the digit an image shows (0-9), or
// -1 when no class's probability reaches the threshold (the judge's UNREADABLE).
export function makeJudge(spec, weightsView, threshold) {
  const weights = floats(weightsView);
  const input = spec.inputs[0];
  return (means) => {
    const logits = evaluate(spec, weights, { [input.name]: { data: Float64Array.from(means), shape: input.shape } });
    const top = Math.max(...logits);
    const total = logits.reduce((sum, v) => sum + Math.exp(v - top), 0);
    return 1 / total >= threshold ? logits.indexOf(top) : -1; // 1 / total: the top class's softmax
  };
}

// A decoder from its spec and weights: decode(z, label) -> the pixel means, row by row (H * W * C).
export function makeDecoder(spec, weightsView) {
  const weights = floats(weightsView);
  const [height, width, channels] = spec.image_shape;
  const numClasses = spec.inputs.length > 1 ? spec.inputs[1].size : 0;
  function decode(z, label = 0) {
    const values = { [spec.inputs[0].name]: { data: Float64Array.from(z), shape: [z.length] } };
    if (numClasses) {
      const oneHot = new Float64Array(numClasses);
      oneHot[label] = 1;
      values[spec.inputs[1].name] = { data: oneHot, shape: [numClasses] };
    }
    const out = evaluate(spec, weights, values);
    const means = new Float64Array(out.length);
    const sigmoid = spec.means === "sigmoid";
    for (let i = 0; i < out.length; i++) means[i] = sigmoid ? 1 / (1 + Math.exp(-out[i])) : out[i];
    return means;
  }
  return { decode, height, width, channels, latentDim: spec.inputs[0].size, numClasses };
}

// --- drawing -------------------------------------------------------------------------------

const STYLE = `
.vaecourse-explorer { display: flex; gap: 16px; align-items: flex-start; flex-wrap: wrap;
  font: 13px/1.4 system-ui, sans-serif; color: #222; }
.vaecourse-explorer canvas.vaecourse-digit, .vaecourse-explorer canvas.vaecourse-thumb {
  image-rendering: pixelated; border: 1px solid #767676; background: #fff; }
.vaecourse-explorer canvas.vaecourse-map { border: 1px solid #767676; cursor: crosshair; touch-action: none; }
.vaecourse-explorer :focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
.vaecourse-explorer .vaecourse-controls { display: flex; flex-direction: column; gap: 4px; min-width: 220px; }
.vaecourse-explorer label { display: flex; align-items: center; gap: 6px; }
.vaecourse-explorer input[type=range] { width: 160px; }
.vaecourse-explorer .vaecourse-readout { font-family: ui-monospace, monospace; }
.vaecourse-explorer .vaecourse-note { color: #7a4a00; max-width: 420px; }
.vaecourse-explorer .vaecourse-digits button { width: 2.2em; margin: 1px; }
.vaecourse-explorer .vaecourse-digits button[aria-pressed=true] { background: #1a5fb4; color: #fff; }
.vaecourse-explorer input[type=number] { width: 5em; }
.vaecourse-explorer .vaecourse-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
`;

function addStyle() {
  if (document.getElementById("vaecourse-explorer-style")) return;
  const style = document.createElement("style");
  style.id = "vaecourse-explorer-style";
  style.textContent = STYLE;
  document.head.appendChild(style);
}

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "className") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function canvas(width, height, shown, className) {
  const node = element("canvas", { className, width, height });
  node.style.width = `${shown}px`;
  node.style.height = `${Math.round((shown * height) / width)}px`;
  return node;
}

// Paint grey levels in [0, 1] (ink dark) into a canvas of the image's own size.
function paint(target, means, height, width) {
  const context = target.getContext("2d");
  const pixels = context.createImageData(width, height);
  for (let i = 0; i < height * width; i++) {
    const v = Math.round(255 - 255 * Math.min(1, Math.max(0, means[i])));
    pixels.data.set([v, v, v, 255], 4 * i);
  }
  context.putImageData(pixels, 0, 0);
}

function bytesOf(view) {
  return view && view.byteLength ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : null;
}

async function bitmap(view) {
  return createImageBitmap(new Blob([bytesOf(view)], { type: "image/png" }));
}

const SLIDER_STEPS = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1, PageUp: 5, PageDown: -5 }; // keySteps

const aDigit = (d) => `${d === 8 ? "an" : "a"} ${d}`; // "a 7", "an 8"

// Two decimals with a sign; what rounds to zero reads "+0.00" (a step back to the origin leaves -1e-16).
const sign = (v) => {
  const rounded = Math.round(v * 100) / 100;
  return (rounded < 0 ? "-" : "+") + Math.abs(rounded).toFixed(2);
};

// A range input whose value a screen reader hears as "z1 = +0.25", however it moves (setSlider). A drag moves
// it by `step`; an arrow key by `keyStep` and a Page key by five of those, as on the map (a range input's own
// keys move one `step`: 600 presses across the VAE's plane).
function slider(name, description, min, max, value, step, keyStep, say = (v) => `${name} = ${sign(v)}`) {
  const input = element("input", { type: "range", min, max, step, value, "aria-label": description });
  input.say = say;
  input.addEventListener("input", () => input.setAttribute("aria-valuetext", say(Number(input.value))));
  input.addEventListener("keydown", (e) => {
    if (!SLIDER_STEPS[e.key]) return;
    e.preventDefault();
    input.value = Math.min(max, Math.max(min, Number(input.value) + SLIDER_STEPS[e.key] * keyStep));
    input.dispatchEvent(new Event("input"));
  });
  setSlider(input, value);
  return [input, element("label", {}, [element("span", { text: name, "aria-hidden": "true" }), input])];
}

function setSlider(input, value) {
  input.value = value;
  input.setAttribute("aria-valuetext", input.say(Number(input.value)));
}

const KEY_STEP = 0.05; // an arrow key moves z by this share of the extent (t by this much); Page, Shift: 5 times

const SLIDER_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"]);

// A slider's move ends when the pointer lets go or the key comes up: a range input fires "change" at every
// key step, and a screen reader should hear z once per move, not once per step.
function onMoveEnd(input, moveEnded) {
  let keyDown = false;
  input.addEventListener("keydown", (e) => { if (SLIDER_KEYS.has(e.key)) keyDown = true; });
  input.addEventListener("keyup", (e) => { if (SLIDER_KEYS.has(e.key)) { keyDown = false; moveEnded(); } });
  input.addEventListener("change", () => { if (!keyDown) moveEnded(); });
}

// --- the core every explorer shares ----------------------------------------------------------
// The decoder, the digit and its readouts, when frames are decoded (in the browser, or asked of
// the kernel), and the probe that tests and the benchmark read. A view (below, one per kind of
// explorer) adds its controls and tells the core which latent point is current.

let explorers = 0; // on this page, for unique ids
const PROBE_FRAMES = 200; // the probe keeps the newest frames only: a long session must not grow it

function makeCore(model, el) {
  addStyle();
  const [height, width] = model.get("image_shape");
  const spec = model.get("spec");
  const core = {
    model, height, width,
    decoder: spec ? makeDecoder(spec, model.get("weights")) : null,
    extent: model.get("extent"),
    state: { z: (model.get("z") || []).slice(), digit: model.get("digit"), t: model.get("t"), ends: model.get("ends") },
    currentZ: () => core.state.z, // a view replaces these two
    describe: () => `z = (${core.state.z.map(sign).join(", ")})`,
    afterFrame: [], // what a view redraws with every frame (the map's marker)
    probe: { frames: [], count: 0, lastImage: null, sent: 0, verdict: null }, // verdict: the judge's last reading
  };
  core.root = element("div", { className: "vaecourse-explorer", role: "group",
                               "aria-label": model.get("title") ? `latent explorer: ${model.get("title")}`
                                 : `latent explorer (${model.get("kind")})` });
  core.digitCanvas = canvas(width, height, model.get("image_size"), "vaecourse-digit");
  core.digitCanvas.setAttribute("role", "img");
  core.digitCanvas.id = `vaecourse-digit-${++explorers}`; // the map's description points to it
  core.readout = element("div", { className: "vaecourse-readout", "aria-hidden": "true" }); // every frame
  core.announcer = element("div", { className: "vaecourse-hidden", "aria-live": "polite" }); // when a move ends
  core.controls = element("div", { className: "vaecourse-controls" });
  core.root.append(element("div", { className: "vaecourse-controls" }, [core.digitCanvas, core.readout]),
                   core.controls, core.announcer);
  if (model.get("note")) core.root.append(element("div", { className: "vaecourse-note", text: model.get("note") }));
  core.root.vaecourse = core.probe; // read by the tests and bench/explorer_speed.py
  el.replaceChildren(core.root);

  let inputTime = null; // the pointer or key event whose result the next frame shows
  function finish(means) {
    paint(core.digitCanvas, means, height, width);
    core.readout.textContent = core.describe();
    core.afterFrame.forEach((redraw) => redraw());
    const probe = core.probe;
    probe.lastImage = means;
    probe.count += 1;
    probe.frames.push({ input: inputTime, painted: performance.now(), z: core.currentZ().slice(),
                        digit: core.state.digit });
    if (probe.frames.length > PROBE_FRAMES) probe.frames.shift();
    inputTime = null;
  }

  // Browser decoding: one decode per animation frame, however many events arrived.
  let requested = false;
  core.draw = (event) => {
    if (event && inputTime === null) inputTime = event.timeStamp;
    if (!core.decoder) return askKernel();
    if (requested) return;
    requested = true;
    requestAnimationFrame(() => {
      requested = false;
      finish(core.decoder.decode(core.currentZ(), core.state.digit));
    });
  };

  // Kernel decoding: send the newest point once the previous frame has come back.
  let inFlight = false;
  let dirty = false;
  let announceOnFrame = false; // a move ended while the kernel was still drawing its frame
  let inFlightSince = 0;
  function askKernel() {
    if (inFlight && performance.now() - inFlightSince < 2000) { dirty = true; return; }
    inFlight = true;
    dirty = false;
    inFlightSince = performance.now();
    core.commit();
  }
  model.on("change:frame", () => {
    const frame = bytesOf(model.get("frame"));
    if (!frame) return;
    finish(Float64Array.from(frame, (v) => v / 255));
    inFlight = false;
    if (dirty) askKernel();
    else if (announceOnFrame) { announceOnFrame = false; core.announce(); }
  });

  // The kernel hears of the latent point when a move ends (at every frame, if it decodes them).
  core.commit = () => {
    core.probe.sent += 1;
    if (model.get("kind") === "interpolation") model.set("t", core.state.t);
    else model.set("z", core.state.z.slice());
    model.save_changes();
  };
  // A move ended (a slider let go, a key released, a digit chosen): tell the kernel, and a screen reader.
  core.moveEnded = () => {
    if (core.decoder) core.commit();
    core.announce();
  };
  // What the digit at the current point looks like, in words: the judge's reading, for those who
  // cannot see the canvas. Decoded afresh in the browser; the kernel's newest frame otherwise.
  const judgeSpec = model.get("judge_spec");
  const judge = judgeSpec ? makeJudge(judgeSpec, model.get("judge_weights"), model.get("judge_threshold")) : null;
  core.verdict = () => {
    const means = core.decoder ? core.decoder.decode(core.currentZ(), core.state.digit) : core.probe.lastImage;
    if (!judge || !means) return "";
    core.probe.verdict = judge(means);
    const digit = core.probe.verdict;
    return digit < 0 ? "looks like no digit" : `looks like ${aDigit(digit)}`;
  };
  core.spoken = () => [core.describe(), core.verdict()].filter(Boolean).join(": ");
  core.probe.spoken = () => core.spoken(); // what a screen reader would hear now
  core.announce = () => {
    if (!core.decoder && (inFlight || dirty)) { announceOnFrame = true; return; } // its frame is on the way
    const text = core.spoken();
    core.announcer.textContent = text;
    core.digitCanvas.setAttribute("aria-label", `decoded digit, ${text}`);
  };
  core.start = () => { // the first frame: ours, or the one the kernel drew when the widget was made
    if (core.decoder) core.draw();
    else if (bytesOf(model.get("frame"))) finish(Float64Array.from(bytesOf(model.get("frame")), (v) => v / 255));
    core.digitCanvas.setAttribute("aria-label", `decoded digit, ${core.spoken()}`);
  };
  return core;
}

// --- the map: encoded digits (a picture from the kernel) or the decoded manifold ------------------

// Phi, the standard normal CDF, through erf (Abramowitz and Stegun 7.1.26: error below 1.5e-7).
function normalCdf(z) {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

// Phi^-1 by bisection on normalCdf: a map click needs one, and 60 halvings of [-10, 10] are plenty.
function normalQuantile(p) {
  let [low, high] = [-10, 10];
  for (let i = 0; i < 60; i++) {
    const middle = (low + high) / 2;
    if (normalCdf(middle) < p) low = middle; else high = middle;
  }
  return (low + high) / 2;
}

// The map's axes. A map of encoded codes is linear over [-extent, extent]; the decoded plane is the lessons'
// manifold figure (vaecourse.plots.gaussian_grid): tiles at evenly spaced quantiles of N(0, 1), which the
// kernel sends as map_quantiles, so each tile holds the same prior mass and the axes are quantiles.
function mapAxes(model, extent) {
  const grid = model.get("map_quantiles") || [];
  if (!grid.length) {
    return { toFraction: (v) => (v / extent + 1) / 2, fromFraction: (f) => (2 * f - 1) * extent, centres: null };
  }
  const step = grid[1] - grid[0];
  const first = grid[0] - step / 2; // the outer edge of the first tile
  const span = grid.length * step;
  return {
    toFraction: (v) => Math.min(1, Math.max(0, (normalCdf(v) - first) / span)), // off the plane: at its edge
    fromFraction: (f) => normalQuantile(first + f * span),
    centres: grid.map(normalQuantile),
  };
}

function addMap(core, moveTo) {
  const { model, extent, state, height, width } = core;
  const size = model.get("map_size");
  const axes = mapAxes(model, extent);
  const map = canvas(size, size, size, "vaecourse-map");
  map.setAttribute("tabindex", "0");
  map.setAttribute("role", "application");
  map.setAttribute("aria-roledescription", "latent map");
  map.setAttribute("aria-label", "latent map: the arrow keys move z, Shift or Page Up and Down for larger steps, "
                   + "Home to the origin");
  // On arrival: where z is and what it looks like, then what the map shows (where the classes lie), if known.
  const described = [core.digitCanvas.id];
  if (model.get("map_text")) {
    described.push(`${core.digitCanvas.id}-map`);
    core.root.append(element("div", { className: "vaecourse-hidden", id: described[1], text: model.get("map_text") }));
  }
  map.setAttribute("aria-describedby", described.join(" "));
  core.root.append(map);
  const manifolds = {};
  let picture = null;

  const toZ = (e) => {
    const box = map.getBoundingClientRect();
    const x = Math.min(Math.max((e.clientX - box.left) / box.width, 0), 1);
    const y = Math.min(Math.max((e.clientY - box.top) / box.height, 0), 1);
    return [axes.fromFraction(x), axes.fromFraction(1 - y)];
  };
  map.addEventListener("pointerdown", (e) => {
    map.setPointerCapture(e.pointerId);
    moveTo(toZ(e), e);
  });
  map.addEventListener("pointermove", (e) => { if (map.hasPointerCapture(e.pointerId)) moveTo(toZ(e), e); });
  map.addEventListener("pointerup", (e) => { map.releasePointerCapture(e.pointerId); core.moveEnded(); });
  const KEYS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1],
                 PageUp: [0, 5], PageDown: [0, -5] }; // as on a slider: Page keys take larger steps
  map.addEventListener("keydown", (e) => {
    if (e.key === "Home") moveTo([0, 0], e);
    else if (KEYS[e.key]) {
      const step = (e.shiftKey ? 5 : 1) * KEY_STEP * extent;
      moveTo(state.z.map((v, i) => v + step * KEYS[e.key][i]), e);
    } else return;
    e.preventDefault();
  });
  map.addEventListener("keyup", (e) => { if (e.key === "Home" || KEYS[e.key]) core.moveEnded(); });

  function manifold(label) {
    // Digits decoded at the grid's quantiles, z_2 growing upwards; one sheet per class.
    if (manifolds[label]) return manifolds[label];
    const centres = axes.centres;
    const n = centres.length;
    const sheet = element("canvas", { width: n * width, height: n * height });
    const tile = element("canvas", { width, height });
    for (let row = 0; row < n; row++) for (let col = 0; col < n; col++) {
      const z = [centres[col], centres[n - 1 - row]];
      paint(tile, core.decoder.decode(z, label), height, width);
      sheet.getContext("2d").drawImage(tile, col * width, row * height);
    }
    manifolds[label] = sheet;
    return sheet;
  }

  function draw() {
    const context = map.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, size, size);
    if (picture) context.drawImage(picture, 0, 0, size, size);
    const x = axes.toFraction(state.z[0]) * size;
    const y = (1 - axes.toFraction(state.z[1])) * size;
    context.strokeStyle = "#d62728";
    context.lineWidth = 2;
    context.beginPath();
    context.arc(x, y, 6, 0, 2 * Math.PI);
    context.moveTo(x - 10, y); context.lineTo(x + 10, y);
    context.moveTo(x, y - 10); context.lineTo(x, y + 10);
    context.stroke();
  }
  core.afterFrame.push(draw);

  // The picture under the marker: the kernel's (encoded digits, or a manifold it decoded) or our own.
  async function load() {
    const png = model.get("map_png");
    if (bytesOf(png)) picture = await bitmap(png);
    else if (core.decoder) picture = manifold(state.digit);
    draw();
  }
  model.on("change:map_png", load);
  load();
  return { showDigit: (d) => { if (core.decoder && !bytesOf(model.get("map_png"))) { picture = manifold(d); draw(); } } };
}

// --- one view per kind of explorer -------------------------------------------------------------

// Sliders over z (and, in 2-D, the map): the LatentExplorer, and the ConditionalExplorer's lower half.
function latentView(core) {
  const { model, state, extent } = core;
  const latentDim = model.get("latent_dim");
  core.controls.append(element("b", { text: "latent z" }));
  const sliders = [];
  for (let i = 0; i < latentDim; i++) {
    const [input, row] = slider(`z${i + 1}`, `latent coordinate z${i + 1}`, -extent, extent, state.z[i], 0.01,
                                KEY_STEP * extent);
    input.setAttribute("aria-describedby", core.digitCanvas.id); // on arrival: what the digit looks like
    input.addEventListener("input", (e) => { state.z[i] = Number(input.value); core.draw(e); });
    onMoveEnd(input, core.moveEnded);
    sliders.push(input);
    core.controls.append(row);
  }
  model.on("change:z", () => {
    const z = model.get("z");
    if (z.every((v, i) => Math.abs(v - state.z[i]) < 1e-9)) return; // our own value coming back
    state.z = z.slice();
    sliders.forEach((input, i) => setSlider(input, state.z[i]));
    if (core.decoder) core.draw(); // else the kernel sends a frame of its own
    core.announce();
  });
  const moveTo = (z, event) => { // the path a drag on the map takes, and the tests' way in
    state.z = z.map((v) => Math.min(extent, Math.max(-extent, v)));
    sliders.forEach((input, i) => setSlider(input, state.z[i]));
    core.draw(event);
  };
  core.probe.moveTo = (z) => moveTo(z);
  return latentDim === 2 && model.get("map_size") > 0 ? addMap(core, moveTo) : null;
}

function conditionalView(core) {
  const { model, state } = core;
  core.describe = () => `digit ${state.digit}, z = (${state.z.map(sign).join(", ")})`;
  // The digits are one radio group: one tab stop (the chosen digit), the arrow keys, Home and End choose.
  const buttons = [];
  const row = element("div", { className: "vaecourse-digits", role: "radiogroup", "aria-label": "digit to draw" },
                      [element("span", { text: "digit ", "aria-hidden": "true" })]);
  core.controls.append(row);
  const map = latentView(core);
  const select = (d, event) => {
    state.digit = d;
    buttons.forEach((b, i) => {
      b.setAttribute("aria-checked", String(i === d));
      b.tabIndex = i === d ? 0 : -1;
    });
    if (map) map.showDigit(d);
    if (core.decoder) core.draw(event); // else the kernel sends the new frame and map itself
  };
  const choose = (d, event) => {
    model.set("digit", d);
    model.save_changes(); // a choice, not a drag: the kernel may hear of it at once
    select(d, event);
    core.announce();
  };
  for (let d = 0; d < model.get("num_classes"); d++) {
    const button = element("button", { type: "button", role: "radio", text: String(d), "aria-label": `digit ${d}`,
                                       "aria-checked": "false" });
    button.addEventListener("click", (e) => choose(d, e));
    buttons.push(button);
    row.append(button);
  }
  const last = buttons.length - 1;
  const DIGIT_KEYS = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
  row.addEventListener("keydown", (e) => {
    let d;
    if (e.key in DIGIT_KEYS) d = (state.digit + DIGIT_KEYS[e.key] + buttons.length) % buttons.length;
    else if (e.key === "Home") d = 0;
    else if (e.key === "End") d = last;
    else return;
    e.preventDefault();
    choose(d, e);
    buttons[d].focus();
  });
  model.on("change:digit", () => { select(model.get("digit")); core.announce(); });
  select(state.digit);
}

function interpolationView(core) {
  const { model, state, height, width } = core;
  core.currentZ = () => {
    const [a, b] = state.ends;
    return a.map((v, i) => (1 - state.t) * v + state.t * b[i]);
  };
  // "#7 (a 2)": an end by its index, and by its class when the explorer was given labels.
  const endName = (i) => {
    const labels = model.get("end_labels") || [];
    return `#${model.get(i ? "second" : "first")}` + (labels.length === 2 ? ` (${aDigit(labels[i])})` : "");
  };
  core.describe = () => `t = ${state.t.toFixed(2)}: ${Math.round((1 - state.t) * 100)}% of ${endName(0)}, ` +
    `${Math.round(state.t * 100)}% of ${endName(1)}`;
  const [t, row] = slider("t", "position t between the two digits", 0, 1, state.t, 0.01, KEY_STEP,
                          (v) => `t = ${v.toFixed(2)}`);
  t.setAttribute("aria-describedby", core.digitCanvas.id);
  t.addEventListener("input", (e) => { state.t = Number(t.value); core.draw(e); });
  onMoveEnd(t, core.moveEnded);
  core.probe.moveTo = (value) => { state.t = value; setSlider(t, value); core.draw(); };
  const thumbs = [0, 1].map((i) => {
    const thumb = canvas(width, height, 84, "vaecourse-thumb");
    thumb.setAttribute("role", "img");
    thumb.id = `${core.digitCanvas.id}-end-${i}`; // describes its number box
    thumb.setAttribute("aria-label", i ? "the second digit" : "the first digit");
    return thumb;
  });
  const gallery = model.get("gallery_codes");
  let announceWithEnds = false;
  const choices = ["first", "second"].map((name, i) => {
    const input = element("input", { type: "number", min: 0, max: model.get("count") - 1, step: 1,
                                     value: model.get(name), "aria-describedby": thumbs[i].id });
    input.addEventListener("change", () => {
      const index = Math.min(model.get("count") - 1, Math.max(0, Math.round(Number(input.value) || 0)));
      input.value = index;
      model.set(name, index);
      if (gallery && gallery.length) { // the static site: every choice is on the page
        const ends = state.ends.slice();
        ends[i] = gallery[index];
        const labels = model.get("gallery_labels") || [];
        if (labels.length) model.set("end_labels", [model.get("first"), model.get("second")].map((k) => labels[k]));
        model.set("ends", ends);
        const size = height * width;
        const gallery_thumbs = bytesOf(model.get("gallery_thumbs"));
        const pair = new Uint8Array(2 * size); // both ends' pictures, as the kernel sends them
        ["first", "second"].forEach((end, k) => {
          const chosen = model.get(end);
          pair.set(gallery_thumbs.subarray(chosen * size, (chosen + 1) * size), k * size);
        });
        model.set("thumbs", new DataView(pair.buffer));
        showEnds();
        core.announce();
      } else { // the kernel encodes the new digit and sends its code (and class) back: announced then
        announceWithEnds = true;
        model.save_changes();
      }
    });
    return [input, element("label", {}, [element("span", { text: i ? "to digit #" : "from digit #" }), input])];
  });
  function showEnds() {
    state.ends = model.get("ends");
    const pixels = bytesOf(model.get("thumbs"));
    if (pixels) thumbs.forEach((thumb, i) => {
      paint(thumb, Float64Array.from(pixels.subarray(i * height * width, (i + 1) * height * width), (v) => v / 255),
            height, width);
    });
    choices.forEach(([input], i) => { input.value = model.get(i ? "second" : "first"); });
    thumbs.forEach((thumb, i) => thumb.setAttribute("aria-label", `the ${i ? "second" : "first"} digit, ${endName(i)}`));
    if (core.decoder) core.draw(); // else the kernel sends the new frame itself
  }
  core.controls.append(row, element("div", { style: "display:flex; gap:12px" }, [
    element("div", {}, [choices[0][1], thumbs[0]]), element("div", {}, [choices[1][1], thumbs[1]])]));
  model.on("change:ends", () => {
    showEnds();
    if (announceWithEnds) { announceWithEnds = false; core.announce(); }
  });
  model.on("change:t", () => {
    if (Math.abs(model.get("t") - state.t) < 1e-9) return;
    state.t = model.get("t");
    setSlider(t, state.t);
    if (core.decoder) core.draw();
    core.announce();
  });
  showEnds();
}

const VIEWS = { latent: latentView, conditional: conditionalView, interpolation: interpolationView };

function explorer(model, el) {
  const core = makeCore(model, el);
  VIEWS[model.get("kind")](core);
  core.start();
  return core.root;
}

// --- in Jupyter, and on a page of its own ----------------------------------------------------

export default {
  render({ model, el }) {
    explorer(model, el);
  },
};

// A stand-in for the widget model: the saved state, and no kernel behind it.
function localModel(state) {
  const listeners = {};
  return {
    get: (key) => state[key],
    set: (key, value) => {
      state[key] = value;
      (listeners[`change:${key}`] || []).forEach((listener) => listener());
    },
    save_changes: () => {},
    on: (event, listener) => { (listeners[event] ||= []).push(listener); },
  };
}

// Show the explorer saved at `url` (vaecourse.widgets' static_state) in `el`; binary fields are
// files beside the JSON. Returns the explorer's root element.
export async function mount(el, url) {
  const base = new URL(url, document.baseURI);
  const state = await (await fetch(base)).json();
  await Promise.all(Object.entries(state.files || {}).map(async ([key, name]) => {
    state[key] = new DataView(await (await fetch(new URL(name, base))).arrayBuffer());
  }));
  return explorer(localModel(state), el);
}

// A model from a state object already in memory (the parity test uses it).
export function show(el, state) {
  return explorer(localModel(state), el);
}
