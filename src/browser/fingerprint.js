// vendorscan: which script fingerprints the browser (canvas, fonts, WebGL, audio).
// The heuristics and why they are what they are: src/flows/fingerprint.rs, which reads the
// messages this sends. The page hook calls this function once per frame, before any page
// script, as (this function)(send, caller):
//   send(obj)  hands one JSON-serialisable message to the scanner;
//   caller()   is the URL of the innermost http(s) script on the call stack, or null.
// It wraps the few canvas, WebGL and Web Audio methods fingerprinting needs, keeps a little
// state per canvas, context and script, and sends { t: 'fp', technique, by, detail } the
// first time a script meets a heuristic: at most once per (technique, script), never a
// message per call. Every wrapper calls the original first, with the same `this` and
// arguments, and returns (or throws) what it did; the bookkeeping runs after, inside
// try/catch, so a page can neither break nor be broken by it.
(send, caller) => {
  'use strict';
  // OpenWPM's thresholds (Englehardt & Narayanan 2016, also Blacklight's): a read of fewer
  // than 16x16 pixels holds too little to tell machines apart; fingerprinting text uses many
  // distinct characters or several colours; a font probe runs through a list of 50+ fonts.
  const MIN_SIDE = 16;
  const MIN_CHARS = 10;
  const MIN_COLOURS = 2;
  const MIN_FONTS = 50;
  // A WebGL probe draws its scene once (a draw call or two) and reads it back; a product
  // viewer or game has drawn frame after frame by the time anything reads pixels.
  const MAX_GL_DRAWS = 16;
  // Likewise a probe writes a text or two; a canvas with more text draws is a chart or
  // editor, and stops costing a stack capture per draw.
  const MAX_TEXT_DRAWS = 64;
  // Messages per frame, whatever the page does (a script served under many URLs).
  let budget = 32;

  // Taken now, before any page script can replace them. Map, Set and WeakMap methods are
  // looked up per call: a page that breaks those loses the detection, not its own calls.
  const apply = Reflect.apply;
  const getDesc = Object.getOwnPropertyDescriptor;
  const defProp = Object.defineProperty;
  const getProto = Object.getPrototypeOf;
  const hasOwn = Object.prototype.hasOwnProperty;
  const isView = ArrayBuffer.isView;
  const proto = (name) => {
    const C = globalThis[name];
    return typeof C === 'function' ? C.prototype : undefined;
  };
  const getter = (p, name) => {
    const d = p && getDesc(p, name);
    return d && typeof d.get === 'function' ? d.get : undefined;
  };
  // Only primitives are read from the page's arguments: converting an object would run the
  // page's own toString/valueOf a second time, a difference the page could see.
  const num = (v) => (typeof v === 'number' ? (v < 0 ? -v : v) : NaN);

  const sent = new Set();
  const found = (technique, by, detail) => {
    const key = technique + ' ' + (by || '');
    if (sent.has(key) || budget <= 0) return;
    sent.add(key);
    budget -= 1;
    send({ t: 'fp', technique, by, detail });
  };
  const perCaller = (map, by, make) => {
    let v = map.get(by);
    if (v === undefined) {
      v = make();
      map.set(by, v);
    }
    return v;
  };

  // The bookkeeping calls native getters and caller(); a page that hooked one of those
  // (Error.prepareStackTrace, a getter on a canvas) could lead back into a wrapper: the flag
  // makes such a nested call a plain call.
  let busy = false;
  const watch = (after, self, args, result) => {
    if (busy) return;
    busy = true;
    try {
      after(self, args, result);
    } catch (e) {}
    busy = false;
  };
  // Replaces a method by one of the same name, length and property attributes that is, like
  // a native method, not a constructor (a method definition has no prototype).
  const wrap = (p, name, after) => {
    try {
      const d = p && getDesc(p, name);
      if (!d || typeof d.value !== 'function') return;
      const orig = d.value;
      const w = {
        [name]() {
          const r = apply(orig, this, arguments);
          watch(after, this, arguments, r);
          return r;
        },
      }[name];
      defProp(w, 'length', { value: orig.length });
      defProp(p, name, { value: w, writable: d.writable, enumerable: d.enumerable, configurable: d.configurable });
    } catch (e) {}
  };
  const wrapGetter = (p, name, after) => {
    try {
      const d = p && getDesc(p, name);
      if (!d || typeof d.get !== 'function') return;
      const orig = d.get;
      const w = getDesc({
        get [name]() {
          const r = apply(orig, this, []);
          watch(after, this, undefined, r);
          return r;
        },
      }, name).get;
      defProp(p, name, { get: w, set: d.set, enumerable: d.enumerable, configurable: d.configurable });
    } catch (e) {}
  };

  // ---- Canvas (2D) -------------------------------------------------------------------------
  // canvas (element or OffscreenCanvas) -> { banned, texts, writers: Map(caller -> what it
  // wrote) }. A canvas anyone called save/restore/addEventListener on is an app's drawing
  // surface (OpenWPM's exclusion), as is one with more than MAX_TEXT_DRAWS texts, and is never
  // reported. This is per canvas, not per script, so the hottest drawing calls cost no stack
  // capture; a fingerprinting script draws on a canvas of its own, which no other script
  // touches.
  const canvases = new WeakMap();
  const DRAWING = { banned: true, texts: 0, writers: null };
  const ban = (c) => {
    const s = canvases.get(c);
    if (s === undefined) canvases.set(c, DRAWING);
    else if (!s.banned) {
      s.banned = true;
      s.writers = null;
    }
  };
  // Distinct code points of one text draw, bounded: the heuristic needs 10.
  const distinct = (t) => {
    const seen = new Set();
    for (let i = 0; i < t.length && i < 512 && seen.size < 64; i++) {
      const cp = t.codePointAt(i);
      if (cp > 0xffff) i++;
      seen.add(cp);
    }
    return seen.size;
  };
  // A readback of (most of) canvas `c` by the current script: reported when the same script
  // drew fingerprinting text on it.
  const canvasRead = (c, how) => {
    const s = canvases.get(c);
    if (s === undefined || s.banned) return;
    const w = c.width;
    const h = c.height;
    if (!(w >= MIN_SIDE && h >= MIN_SIDE)) return;
    const by = caller();
    const wr = s.writers.get(by);
    if (wr === undefined || (wr.chars < MIN_CHARS && wr.colours.size < MIN_COLOURS)) return;
    found('canvas', by, how + ' after ' + wr.op + ' of ' + wr.chars + ' distinct chars in ' + wr.colours.size +
      ' colour(s) on ' + w + 'x' + h);
  };
  // A lossy export is how a page shrinks a photo before upload; it blurs away the sub-pixel
  // differences canvas fingerprinting is after.
  const lossy = (type) => {
    if (typeof type !== 'string') return false;
    const t = type.toLowerCase();
    return t === 'image/jpeg' || t === 'image/webp';
  };

  // ---- Fonts -------------------------------------------------------------------------------
  // One set of fonts per script, up to MIN_FONTS: measureText in many fonts (canvas font
  // fingerprinting) and the size of elements in many font families (the DOM variant that
  // FingerprintJS and fingerprintjs2 use) are counted apart.
  const canvasFonts = new Map();
  const domFamilies = new Map();
  const countFont = (map, by, font, detail) => {
    const set = perCaller(map, by, () => new Set());
    if (set.size >= MIN_FONTS || set.has(font)) return;
    set.add(font);
    if (set.size === MIN_FONTS) found('canvas-font', by, detail);
  };
  // 2D context -> the fonts already counted on it: text layout measures word after word in
  // a font or two, and pays a stack capture once per font, not per word. A probe measures on
  // a canvas of its own, so a font counted for one script on a context is not counted again
  // for another there.
  const ctxFonts = new WeakMap();

  // ---- WebGL -------------------------------------------------------------------------------
  // WebGL context -> { draws, by: the script of its first draw, pagePixels }; `pagePixels`
  // once an image, video or canvas of the page was uploaded as a texture: an image filter or
  // viewer works on the page's own pixels, a probe renders generated geometry.
  const gls = new WeakMap();
  const glOfCanvas = new WeakMap();
  const GL_TYPES = new Set(['webgl', 'experimental-webgl', 'webgl2']);
  const glRead = (g, how, w, h) => {
    if (g.draws === 0 || g.draws > MAX_GL_DRAWS || g.pagePixels) return;
    if (!(w >= MIN_SIDE && h >= MIN_SIDE)) return;
    const by = caller();
    if (by !== g.by) return;
    found('webgl', by, how + ' of ' + w + 'x' + h + ' after ' + g.draws + ' WebGL draw call(s)');
  };

  // ---- Audio -------------------------------------------------------------------------------
  // audio context -> { osc: an oscillator exists, by: Map(caller -> node kinds it created) }.
  const OSC = 1;
  const COMPRESSOR = 2;
  const ANALYSER = 4;
  const audios = new WeakMap();
  const created = (bit) => (ctx) => {
    let a = audios.get(ctx);
    if (a === undefined) {
      a = { osc: false, by: new Map() };
      audios.set(ctx, a);
    }
    if (bit === OSC) a.osc = true;
    const by = caller();
    a.by.set(by, (a.by.get(by) || 0) | bit);
  };
  // The signal read out: reported when the reading script built oscillator -> compressor or
  // analyser on that context (the stock audio fingerprint).
  const audioRead = (ctx, how) => {
    const a = audios.get(ctx);
    if (a === undefined || !a.osc) return;
    const by = caller();
    const bits = a.by.get(by) || 0;
    if (!(bits & OSC) || !(bits & (COMPRESSOR | ANALYSER))) return;
    found('audio', by, how + ' with oscillator + ' + (bits & COMPRESSOR ? 'dynamics compressor' : 'analyser'));
  };

  // ---- Wrappers ----------------------------------------------------------------------------
  for (const name of ['CanvasRenderingContext2D', 'OffscreenCanvasRenderingContext2D']) {
    const p = proto(name);
    const canvasOf = getter(p, 'canvas');
    if (!canvasOf) continue;
    const fontOf = getter(p, 'font');
    const text = (op, styleOf) => (ctx, args) => {
      const t = args[0];
      const s = typeof t === 'string' ? t : typeof t === 'number' ? String(t) : '';
      if (s === '') return;
      const c = apply(canvasOf, ctx, []);
      let st = canvases.get(c);
      if (st === undefined) {
        st = { banned: false, texts: 0, writers: new Map() };
        canvases.set(c, st);
      }
      if (st.banned) return;
      st.texts += 1;
      if (st.texts > MAX_TEXT_DRAWS) {
        ban(c);
        return;
      }
      const wr = perCaller(st.writers, caller(), () => ({ chars: 0, colours: new Set(), op }));
      const n = distinct(s);
      if (n > wr.chars) {
        wr.chars = n;
        wr.op = op;
      }
      // The colour the text is drawn in (a gradient or pattern counts by identity).
      if (wr.colours.size < MIN_COLOURS && styleOf) wr.colours.add(apply(styleOf, ctx, []));
    };
    wrap(p, 'fillText', text('fillText', getter(p, 'fillStyle')));
    wrap(p, 'strokeText', text('strokeText', getter(p, 'strokeStyle')));
    const drawing = (ctx) => ban(apply(canvasOf, ctx, []));
    wrap(p, 'save', drawing);
    wrap(p, 'restore', drawing);
    wrap(p, 'getImageData', (ctx, args) => {
      const sw = num(args[2]);
      const sh = num(args[3]);
      if (!(sw >= MIN_SIDE && sh >= MIN_SIDE)) return;
      const c = apply(canvasOf, ctx, []);
      // Most of the canvas: a colour picker or hit test reads a few pixels.
      if (sw * sh * 2 >= c.width * c.height) canvasRead(c, 'getImageData');
    });
    if (fontOf) {
      wrap(p, 'measureText', (ctx) => {
        const f = apply(fontOf, ctx, []);
        let fonts = ctxFonts.get(ctx);
        if (fonts === undefined) {
          fonts = new Set();
          ctxFonts.set(ctx, fonts);
        }
        if (fonts.has(f) || fonts.size >= 4 * MIN_FONTS) return;
        fonts.add(f);
        countFont(canvasFonts, caller(), f, 'measureText in ' + MIN_FONTS + ' different fonts');
      });
    }
  }

  // getContext: note which canvases hold a WebGL context, for a later toDataURL.
  const registerGl = (c, args, ctx) => {
    const type = args[0];
    if (type === '2d' || ctx === null || typeof ctx !== 'object' || !GL_TYPES.has(type) || gls.has(ctx)) return;
    const g = { draws: 0, by: null, pagePixels: false };
    gls.set(ctx, g);
    glOfCanvas.set(c, g);
  };
  const exported = (how, typeOf) => (c, args) => {
    if (lossy(typeOf(args))) return;
    canvasRead(c, how);
    const g = glOfCanvas.get(c);
    if (g !== undefined) glRead(g, how, c.width, c.height);
  };
  const pc = proto('HTMLCanvasElement');
  wrap(pc, 'getContext', registerGl);
  wrap(pc, 'toDataURL', exported('toDataURL', (a) => a[0]));
  wrap(pc, 'toBlob', exported('toBlob', (a) => a[1]));
  const po = proto('OffscreenCanvas');
  wrap(po, 'getContext', registerGl);
  wrap(po, 'convertToBlob', exported('convertToBlob', (a) => {
    // The options' own data property only: no page getter runs a second time.
    const o = a[0];
    const d = o !== null && typeof o === 'object' ? getDesc(o, 'type') : undefined;
    return d ? d.value : undefined;
  }));
  // addEventListener on a canvas (a drawing app's input). Defined on HTMLCanvasElement's
  // prototype only, so other elements pay nothing, and it calls whatever its parent
  // prototype holds at call time, so a page that patches EventTarget later (zone.js) still
  // gets its patch for canvases too.
  try {
    const parent = pc && getProto(pc);
    const orig = parent && parent.addEventListener;
    if (typeof orig === 'function' && !apply(hasOwn, pc, ['addEventListener'])) {
      const w = {
        addEventListener() {
          const r = apply(parent.addEventListener, this, arguments);
          watch(ban, this);
          return r;
        },
      }.addEventListener;
      defProp(w, 'length', { value: orig.length });
      defProp(pc, 'addEventListener', { value: w, writable: true, enumerable: true, configurable: true });
    }
  } catch (e) {}

  for (const name of ['WebGLRenderingContext', 'WebGL2RenderingContext']) {
    const p = proto(name);
    if (!p) continue;
    // The GPU's real vendor and model: only readable once WEBGL_debug_renderer_info was
    // enabled (otherwise null), so a string result means the script asked for it.
    wrap(p, 'getParameter', (ctx, args, r) => {
      const pname = args[0];
      if ((pname === 0x9245 || pname === 0x9246) && typeof r === 'string') {
        found('webgl', caller(), 'getParameter(' + (pname === 0x9245 ? 'UNMASKED_VENDOR_WEBGL' : 'UNMASKED_RENDERER_WEBGL') +
          ') via WEBGL_debug_renderer_info');
      }
    });
    const draw = (ctx) => {
      const g = gls.get(ctx);
      if (g === undefined) return;
      if (g.draws === 0) g.by = caller();
      g.draws += 1;
    };
    for (const m of ['drawArrays', 'drawElements', 'drawArraysInstanced', 'drawElementsInstanced', 'drawRangeElements']) {
      wrap(p, m, draw);
    }
    const upload = (ctx, args) => {
      const src = args[args.length - 1];
      if (src === null || typeof src !== 'object' || isView(src)) return;
      const g = gls.get(ctx);
      if (g !== undefined) g.pagePixels = true;
    };
    wrap(p, 'texImage2D', upload);
    wrap(p, 'texSubImage2D', upload);
    wrap(p, 'readPixels', (ctx, args) => {
      const g = gls.get(ctx);
      if (g !== undefined) glRead(g, 'readPixels', num(args[2]), num(args[3]));
    });
  }

  // Chromium keeps the node factories on BaseAudioContext; older engines on each context.
  for (const name of ['BaseAudioContext', 'AudioContext', 'OfflineAudioContext', 'webkitAudioContext',
    'webkitOfflineAudioContext']) {
    const p = proto(name);
    wrap(p, 'createOscillator', created(OSC));
    wrap(p, 'createDynamicsCompressor', created(COMPRESSOR));
    wrap(p, 'createAnalyser', created(ANALYSER));
  }
  for (const name of ['OfflineAudioContext', 'webkitOfflineAudioContext']) {
    wrap(proto(name), 'startRendering', (ctx) => audioRead(ctx, 'OfflineAudioContext.startRendering'));
  }
  const contextOf = getter(proto('AudioNode'), 'context');
  if (contextOf) {
    for (const m of ['getFloatFrequencyData', 'getByteFrequencyData', 'getFloatTimeDomainData', 'getByteTimeDomainData']) {
      wrap(proto('AnalyserNode'), m, (node) => audioRead(apply(contextOf, node, []), 'AnalyserNode.' + m));
    }
  }

  // Font probing through element sizes: an element whose inline font-family is new to it,
  // measured by offsetWidth/offsetHeight. Elements without an inline font-family (nearly
  // all) cost two native reads; each (element, family) pair costs one stack capture.
  const pe = proto('HTMLElement');
  const styleOf = getter(pe, 'style');
  if (styleOf) {
    const counted = new WeakMap();
    const probe = (el) => {
      const fam = apply(styleOf, el, []).fontFamily;
      if (typeof fam !== 'string' || fam === '' || counted.get(el) === fam) return;
      counted.set(el, fam);
      countFont(domFamilies, caller(), fam, 'offsetWidth/offsetHeight of elements in ' + MIN_FONTS + ' font families');
    };
    wrapGetter(pe, 'offsetWidth', probe);
    wrapGetter(pe, 'offsetHeight', probe);
  }
}
