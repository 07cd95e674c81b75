// vendorscan: answer a consent banner the way a visitor would (see consent.rs).
// Called as (mode, choice, waitMs, cmp): mode 'find' waits up to waitMs for a banner and
// says which; mode 'apply' answers the one found. Returns a plain object (by value).
async (mode, choice, waitMs, found) => {
  const reject = choice === 'reject';
  const pause = (ms) => new Promise((r) => setTimeout(r, ms));
  const shown = (el) => {
    if (!el || !el.isConnected) return false;
    const r = el.getBoundingClientRect();
    const st = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none' && st.opacity !== '0';
  };
  // Every element matching `sel` in the document and in open shadow roots.
  const all = (sel) => {
    const out = [];
    const walk = (root) => {
      out.push(...root.querySelectorAll(sel));
      for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
    };
    walk(document);
    return out;
  };
  // A CMP's own button: by element id (or test id), or by a selector when it has no id.
  const byId = (ids) => ids.map((id) => (/^[.#[]/.test(id) ? all(id)[0]
    : document.getElementById(id) || all('[data-testid="' + id + '"]')[0])).find(shown);
  const fn = (o, name) => !!o && typeof o[name] === 'function';
  const tcData = () => new Promise((res) => {
    if (typeof window.__tcfapi !== 'function') return res(null);
    let done = false;
    const end = (v) => { if (!done) { done = true; res(v); } };
    setTimeout(() => end(null), 1000);
    try { window.__tcfapi('getTCData', 2, (d, ok) => end(ok ? d : null)); } catch (e) { end(null); }
  });
  // The TCF purposes consented to, read back: none after a rejection, some after acceptance.
  const tcfHolds = async () => {
    const d = await tcData();
    if (!d || !d.purpose || !d.purpose.consents) return null;
    const given = Object.keys(d.purpose.consents).filter((k) => d.purpose.consents[k]);
    return { ok: reject ? given.length === 0 : given.length > 0, detail: 'TCF purposes consented: [' + given.join(',') + ']' };
  };
  const REJECT = ['reject all', 'reject all cookies', 'reject', 'reject cookies', 'decline', 'decline all', 'deny', 'deny all',
    'refuse', 'refuse all', 'only necessary', 'necessary only', 'only necessary cookies', 'use necessary cookies only',
    'only essential', 'essential only', 'only essential cookies', 'continue without accepting',
    'alle ablehnen', 'ablehnen', 'nur notwendige', 'nur notwendige cookies', 'nur essenzielle cookies',
    'tout refuser', 'refuser', 'refuser tout', 'continuer sans accepter', 'rechazar', 'rechazar todo', 'rechazar todas',
    'rifiuta', 'rifiuta tutto', 'rifiuta tutti', 'alles weigeren', 'weigeren', 'alleen noodzakelijke', 'rejeitar',
    'rejeitar tudo', 'recusar', 'odrzuć wszystkie', 'avvisa alla', 'afvis alle', 'hylkää kaikki'];
  const ACCEPT = ['accept all', 'accept all cookies', 'accept', 'accept cookies', 'allow all', 'allow all cookies',
    'allow cookies', 'agree', 'i agree', 'agree and close', 'alle akzeptieren', 'akzeptieren', 'alle zulassen',
    'zustimmen', 'tout accepter', 'accepter', 'accepter tout', "j'accepte", 'aceptar', 'aceptar todo', 'aceptar todas',
    'accetta', 'accetta tutto', 'accetta tutti', 'alles accepteren', 'accepteren', 'aceitar', 'aceitar tudo',
    'zaakceptuj wszystkie', 'godkänn alla', 'accepter alle', 'hyväksy kaikki'];
  const label = (el) => (el.innerText || el.value || el.getAttribute('aria-label') || '')
    .toLowerCase().replace(/\s+/g, ' ').trim().replace(/[.!]+$/, '');
  const genericButton = () => {
    const words = reject ? REJECT : ACCEPT;
    const els = all('button, [role="button"], a, input[type="button"], input[type="submit"]').filter(shown);
    for (const w of words) {
      const el = els.find((e) => label(e) === w);
      if (el) return el;
    }
    return null;
  };
  const groups = () => String(window.OnetrustActiveGroups || '').split(',').filter(Boolean);
  const CMPS = [
    {
      id: 'onetrust',
      present: () => fn(window.OneTrust, 'RejectAll') || !!document.getElementById('onetrust-banner-sdk'),
      api: () => { if (!fn(window.OneTrust, reject ? 'RejectAll' : 'AllowAll')) return null;
        reject ? window.OneTrust.RejectAll() : window.OneTrust.AllowAll(); return reject ? 'OneTrust.RejectAll()' : 'OneTrust.AllowAll()'; },
      buttons: reject ? ['onetrust-reject-all-handler'] : ['onetrust-accept-btn-handler'],
      holds: () => {
        if (typeof window.OnetrustActiveGroups !== 'string') return null;
        const g = groups();
        // C0001 is OneTrust's strictly necessary category.
        return { ok: reject ? g.every((x) => x === 'C0001') : g.some((x) => x !== 'C0001'), detail: 'active groups ' + window.OnetrustActiveGroups };
      },
    },
    {
      id: 'cookiebot',
      present: () => fn(window.Cookiebot, 'submitCustomConsent') || fn(window.Cookiebot, 'withdraw') || !!document.getElementById('CybotCookiebotDialog'),
      api: () => {
        const cb = window.Cookiebot;
        if (fn(cb, 'submitCustomConsent')) { cb.submitCustomConsent(!reject, !reject, !reject);
          return 'Cookiebot.submitCustomConsent(' + [!reject, !reject, !reject].join(', ') + ')'; }
        if (reject && fn(cb, 'withdraw')) { cb.withdraw(); return 'Cookiebot.withdraw()'; }
        return null;
      },
      buttons: reject ? ['CybotCookiebotDialogBodyButtonDecline'] : ['CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll', 'CybotCookiebotDialogBodyButtonAccept'],
      holds: () => {
        const c = window.Cookiebot && window.Cookiebot.consent;
        if (!c) return null;
        const on = ['preferences', 'statistics', 'marketing'].filter((k) => c[k]);
        return { ok: reject ? on.length === 0 : on.length === 3, detail: 'Cookiebot.consent: [' + on.join(',') + ']' };
      },
    },
    {
      id: 'didomi',
      present: () => fn(window.Didomi, 'setUserDisagreeToAll') || !!document.getElementById('didomi-notice'),
      api: () => { if (!fn(window.Didomi, reject ? 'setUserDisagreeToAll' : 'setUserAgreeToAll')) return null;
        reject ? window.Didomi.setUserDisagreeToAll() : window.Didomi.setUserAgreeToAll();
        return reject ? 'Didomi.setUserDisagreeToAll()' : 'Didomi.setUserAgreeToAll()'; },
      buttons: reject ? ['didomi-notice-disagree-button'] : ['didomi-notice-agree-button'],
      holds: () => {
        if (!fn(window.Didomi, 'getUserStatus')) return null;
        const s = window.Didomi.getUserStatus();
        const on = (s && s.purposes && s.purposes.consent && s.purposes.consent.enabled) || [];
        return { ok: reject ? on.length === 0 : on.length > 0, detail: 'Didomi purposes enabled: [' + on.join(',') + ']' };
      },
    },
    {
      id: 'usercentrics',
      present: () => fn(window.UC_UI, 'denyAllConsents') || !!document.getElementById('usercentrics-root'),
      api: async () => { if (!fn(window.UC_UI, reject ? 'denyAllConsents' : 'acceptAllConsents')) return null;
        await (reject ? window.UC_UI.denyAllConsents() : window.UC_UI.acceptAllConsents());
        if (fn(window.UC_UI, 'closeCMP')) await window.UC_UI.closeCMP();
        return reject ? 'UC_UI.denyAllConsents()' : 'UC_UI.acceptAllConsents()'; },
      buttons: reject ? ['uc-deny-all-button'] : ['uc-accept-all-button'],
      holds: () => {
        if (!fn(window.UC_UI, 'getServicesBaseInfo')) return null;
        const s = window.UC_UI.getServicesBaseInfo() || [];
        const optional = s.filter((x) => !(x.isEssential || x.categorySlug === 'essential'));
        const on = optional.filter((x) => x.consent && x.consent.status).map((x) => x.name || x.id);
        return { ok: reject ? on.length === 0 : on.length === optional.length, detail: 'Usercentrics services consented: [' + on.join(',') + ']' };
      },
    },
    {
      // CookieYes: the banner's buttons carry data-cky-tag; getCkyConsent() reads the choice.
      id: 'cookieyes',
      present: () => !!document.querySelector('.cky-consent-container') || fn(window, 'getCkyConsent'),
      api: () => null,
      buttons: reject ? ['[data-cky-tag="reject-button"]', '.cky-btn-reject'] : ['[data-cky-tag="accept-button"]', '.cky-btn-accept'],
      holds: () => {
        if (!fn(window, 'getCkyConsent')) return null;
        const c = (window.getCkyConsent() || {}).categories || {};
        const on = Object.keys(c).filter((k) => k !== 'necessary' && c[k]);
        return { ok: reject ? on.length === 0 : on.length > 0, detail: 'CookieYes categories: [' + on.join(',') + ']' };
      },
    },
    {
      // Complianz (WordPress): cmplz_deny_all()/cmplz_accept_all(), cmplz_has_consent(category).
      id: 'complianz',
      present: () => !!document.querySelector('.cmplz-cookiebanner') || fn(window, 'cmplz_has_consent'),
      api: () => { const f = reject ? 'cmplz_deny_all' : 'cmplz_accept_all'; if (!fn(window, f)) return null; window[f](); return f + '()'; },
      buttons: reject ? ['.cmplz-btn.cmplz-deny', '.cmplz-deny'] : ['.cmplz-btn.cmplz-accept', '.cmplz-accept'],
      holds: () => {
        if (!fn(window, 'cmplz_has_consent')) return null;
        const on = ['statistics', 'marketing', 'preferences'].filter((k) => window.cmplz_has_consent(k));
        return { ok: reject ? on.length === 0 : on.length > 0, detail: 'Complianz consent: [' + on.join(',') + ']' };
      },
    },
    {
      // iubenda: its banner's buttons; _iub.cs.api reads the choice back.
      id: 'iubenda',
      present: () => !!document.getElementById('iubenda-cs-banner') || !!(window._iub && window._iub.cs && window._iub.cs.api),
      api: () => null,
      buttons: reject ? ['.iubenda-cs-reject-btn'] : ['.iubenda-cs-accept-btn'],
      holds: () => {
        const api = window._iub && window._iub.cs && window._iub.cs.api;
        if (!api || !fn(api, 'isConsentGiven')) return null;
        const given = !!api.isConsentGiven();
        const rejected = fn(api, 'isConsentRejected') ? !!api.isConsentRejected() : !given;
        return { ok: reject ? rejected && !given : given, detail: 'iubenda consent given: ' + given };
      },
    },
    {
      // Shopify's customer privacy API: setTrackingConsent, read back by currentVisitorConsent.
      // The API is on every Shopify store; a banner is asked for only where shouldShowBanner().
      id: 'shopify',
      present: () => !!document.getElementById('shopify-pc__banner') || (window.Shopify && fn(window.Shopify.customerPrivacy, 'shouldShowBanner')
        && !!window.Shopify.customerPrivacy.shouldShowBanner()),
      api: () => new Promise((res) => {
        const p = window.Shopify && window.Shopify.customerPrivacy;
        if (!fn(p, 'setTrackingConsent')) return res(null);
        const v = !reject;
        let done = false;
        const end = (x) => { if (!done) { done = true; res(x); } };
        setTimeout(() => end('Shopify.customerPrivacy.setTrackingConsent (no callback)'), 1000);
        try {
          p.setTrackingConsent({ analytics: v, marketing: v, preferences: v, sale_of_data: v },
            () => end('Shopify.customerPrivacy.setTrackingConsent({' + ['analytics', 'marketing', 'preferences', 'sale_of_data'].map((k) => k + ': ' + v).join(', ') + '})'));
        } catch (e) { end(null); }
      }),
      buttons: reject ? ['shopify-pc__banner__btn-decline'] : ['shopify-pc__banner__btn-accept'],
      holds: () => {
        const p = window.Shopify && window.Shopify.customerPrivacy;
        if (!fn(p, 'currentVisitorConsent')) return null;
        const c = p.currentVisitorConsent() || {};
        const on = ['analytics', 'marketing', 'preferences', 'sale_of_data'].filter((k) => c[k] === 'yes');
        return { ok: reject ? on.length === 0 : on.length > 0, detail: 'Shopify consent yes: [' + on.join(',') + ']' };
      },
    },
    {
      // TrustArc: its banner's "required only" and accept buttons.
      id: 'trustarc',
      present: () => !!document.getElementById('truste-consent-track'),
      api: () => null,
      buttons: reject ? ['truste-consent-required'] : ['truste-consent-button'],
      holds: () => null,
    },
    {
      // Quantcast Choice: a TCF CMP; its buttons are found by their text, the choice read
      // back through the TCF API.
      id: 'quantcast',
      present: () => !!document.getElementById('qc-cmp2-container') || !!document.querySelector('.qc-cmp2-container'),
      api: () => null,
      buttons: [],
      holds: () => null,
    },
  ];
  if (mode === 'find') {
    const until = Date.now() + waitMs;
    for (;;) {
      const cmp = CMPS.find((c) => c.present());
      if (cmp) return { cmp: cmp.id };
      if (typeof window.__tcfapi === 'function') return { cmp: 'tcf' };
      if (genericButton()) return { cmp: 'generic' };
      if (Date.now() >= until) return { cmp: null };
      await pause(100);
    }
  }
  const cmp = CMPS.find((c) => c.id === found);
  // Read the choice back: the CMP's own state, else the TCF API (a second at most).
  const readBack = async (out, note) => {
    let held = null;
    for (let i = 0; i < 10; i++) {
      held = (cmp && cmp.holds()) || await tcfHolds();
      if (held && held.ok) break;
      await pause(100);
    }
    if (held) { out.confirmed = held.ok; note(held.detail); }
  };
  // After the scanner clicked the button this step chose (a real mouse click, see
  // consent.rs): the banner goes, and the choice is read back.
  if (mode === 'confirm') {
    const prev = window.__vendorscanConsent || {};
    const out = { cmp: found, method: 'button', applied: true, confirmed: null, detail: prev.detail || null };
    const note = (s) => { out.detail = out.detail ? out.detail + '; ' + s : s; };
    const el = prev.el;
    for (let i = 0; i < 10 && el && shown(el); i++) await pause(100);
    if (!cmp && found === 'generic') out.confirmed = !(el && shown(el));
    await readBack(out, note);
    try { delete window.__vendorscanConsent; } catch (e) {}
    return out;
  }
  const out = { cmp: found, method: null, applied: false, confirmed: null, detail: null };
  const note = (s) => { out.detail = out.detail ? out.detail + '; ' + s : s; };
  if (cmp) {
    try {
      const did = await cmp.api();
      if (did) { out.method = 'api'; out.applied = true; note(did); }
    } catch (e) { note('the API call failed: ' + String(e && e.message || e).slice(0, 100)); }
  }
  if (!out.applied) {
    let el = cmp ? byId(cmp.buttons) : null;
    // A known CMP whose own button is missing, or a TCF CMP, or none known: the generic search.
    if (!el && cmp && cmp.buttons.length) note('no ' + cmp.buttons.join('/') + ' button shown');
    el = el || genericButton();
    if (el) {
      // The scanner clicks it with the mouse (a trusted event, as a visitor's), then asks
      // again with mode 'confirm'; a button outside the viewport is brought into it first.
      el.scrollIntoView({ block: 'center' });
      const r = el.getBoundingClientRect();
      note('clicked "' + label(el).slice(0, 60) + '"');
      window.__vendorscanConsent = { el, detail: out.detail };
      return { cmp: found, method: 'button', applied: false, confirmed: null, detail: out.detail,
               click: { x: r.left + r.width / 2, y: r.top + r.height / 2 } };
    } else if (!cmp || !out.detail) {
      note('no ' + (reject ? 'reject' : 'accept') + ' button found');
    }
  }
  if (out.applied) await readBack(out, note);
  return out;
}
