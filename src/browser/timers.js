// vendorscan: when the page's timers are due, for the adaptive settle (src/browser/settle.rs).
// The page hook calls this function once per frame, before any page script, as
// (this function)(report), where report(string) is the scanner's binding (hidden from the
// page by the hook). It wraps setTimeout and setInterval: each timer armed, and each further
// tick of an interval, is reported as {"t":"timer","in":MS} (MS: how long until it is due),
// so a visit does not end as "quiet" while a timer the page set is due within its window
// (a tag fired from `setTimeout(fire, 1500)` after load). Nothing else is done with it.
//
// Cheap and bounded whatever the page does: due times are rounded up to a 100 ms grid and
// each grid slot is reported once, so a page that re-arms a timer in a loop sends at most
// ten messages a second; past BUDGET messages the frame says once that it is never quiet
// (the visit then runs to its window, as a fixed one does). The wrappers keep the original's
// name, length and property attributes and call it with the same `this` and arguments (an
// interval's function handler is wrapped to report its next tick); only primitives are read
// from the page's arguments, and the message is built by hand, so no page code (a valueOf,
// a patched JSON.stringify or Math) ever runs or sees it.
(report) => {
  'use strict';
  const GRID = 100;
  let budget = 2000;
  const apply = Reflect.apply;
  const getDesc = Object.getOwnPropertyDescriptor;
  const defProp = Object.defineProperty;
  const ceil = Math.ceil;
  const perf = globalThis.performance;
  const perfNow = perf && perf.now;
  if (typeof perfNow !== 'function') return;
  // Grid slots already reported (a null-prototype object: nothing the page can patch).
  let slots = Object.create(null);
  let size = 0;
  // The timeout as the browser reads it (WebIDL `long`: ToInt32, so 2^31 wraps to "now");
  // -1 for an object, which is not converted here (its valueOf would run twice).
  const delayOf = (d) => {
    const t = typeof d;
    if (t === 'undefined') return 0;
    if (t !== 'number' && t !== 'string' && t !== 'boolean') return -1;
    const n = (+d) | 0;
    return n > 0 ? n : 0;
  };
  const due = (ms) => {
    if (ms < 0 || budget <= 0) return;
    const now = apply(perfNow, perf, []);
    const slot = ceil((now + ms) / GRID);
    if (slots[slot] === true) return;
    if (size >= 512) {
      // Slots in the past are of no more use: start again from the ones still ahead.
      const ahead = Object.create(null);
      size = 0;
      for (const k in slots) if (+k * GRID >= now) { ahead[k] = true; size++; }
      slots = ahead;
    }
    slots[slot] = true;
    size++;
    budget--;
    report(budget > 0 ? '{"t":"timer","in":' + ceil(slot * GRID - now) + '}' : '{"t":"timer","flood":true}');
  };
  // An interval's handler, reporting the tick after the one it runs for.
  const ticking = (handler, ms) => function () {
    due(ms);
    return apply(handler, this, arguments);
  };
  const wrapTimer = (name, repeat) => {
    try {
      const d = getDesc(globalThis, name);
      if (!d || typeof d.value !== 'function') return;
      const orig = d.value;
      const w = {
        [name](handler, timeout) {
          let args = arguments;
          try {
            const ms = delayOf(timeout);
            due(ms);
            if (repeat && typeof handler === 'function' && ms >= 0) {
              // Defined, not assigned: an index setter the page put on Array.prototype never runs.
              args = [ticking(handler, ms)];
              for (let i = 1; i < arguments.length; i++) {
                defProp(args, i, { value: arguments[i], writable: true, enumerable: true, configurable: true });
              }
            }
          } catch (e) {}
          return apply(orig, this, args);
        },
      }[name];
      defProp(w, 'length', { value: orig.length });
      defProp(globalThis, name, { value: w, writable: d.writable, enumerable: d.enumerable, configurable: d.configurable });
    } catch (e) {}
  };
  wrapTimer('setTimeout', false);
  wrapTimer('setInterval', true);
}
