// vendorscan: find the form fields a visitor would type personal data into (see typing.rs).
// Runs in an isolated world (the page's scripts cannot see it), sharing the page's DOM.
// Called as (max): keeps the fields found in globalThis.__vsFields and returns their kinds,
// in document order, at most `max` of them.
(max) => {
  const shown = (el) => {
    if (!el || !el.isConnected || el.disabled || el.readOnly) return false;
    const r = el.getBoundingClientRect();
    const st = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && st.visibility !== 'hidden' && st.display !== 'none' && st.opacity !== '0';
  };
  const all = () => {
    const out = [];
    // Bounded: a page of a hundred thousand inputs is searched no further than a few thousand.
    const walk = (root) => {
      for (const el of root.querySelectorAll('input')) { if (out.length >= 5000) return; out.push(el); }
      for (const el of root.querySelectorAll('*')) if (el.shadowRoot && out.length < 5000) walk(el.shadowRoot);
    };
    walk(document);
    return out;
  };
  const words = (el) => {
    const parts = [el.name, el.id, el.placeholder, el.getAttribute('aria-label'), el.getAttribute('data-testid')];
    try { for (const l of el.labels || []) parts.push(l.textContent); } catch (e) {}
    return parts.filter(Boolean).join(' ').toLowerCase().slice(0, 300);
  };
  // Never typed into: card data, secrets, searches, coupons, captchas, quantities.
  const never = /card|cc-|cvc|cvv|iban|passw|pwd|secret|token|otp|captcha|search|coupon|promo|voucher|gift|qty|quantity/;
  const kindOf = (el) => {
    const type = (el.getAttribute('type') || 'text').toLowerCase();
    const ac = (el.getAttribute('autocomplete') || '').toLowerCase().split(/\s+/);
    const has = (t) => ac.includes(t);
    const w = words(el);
    if (ac.some((t) => t.startsWith('cc-')) || has('one-time-code') || has('current-password') || has('new-password')) return null;
    if (!['text', 'email', 'tel', 'date', ''].includes(type)) return null;
    if (has('email')) return 'email';
    if (ac.some((t) => t === 'tel' || t === 'tel-national')) return 'phone';
    if (has('given-name')) return 'first-name';
    if (has('family-name')) return 'last-name';
    if (has('name')) return 'name';
    if (has('street-address') || has('address-line1')) return 'street';
    if (has('address-level2')) return 'city';
    if (has('postal-code')) return 'postal-code';
    if (has('bday')) return 'birth-date';
    if (never.test(w)) return null;
    if (type === 'email') return 'email';
    if (type === 'tel') return 'phone';
    if (/birth|\bdob\b|bday|geburt|naissance|nacimiento/.test(w)) return 'birth-date';
    if (type === 'date') return null;
    if (/e-?mail|courriel|correo/.test(w)) return 'email';
    if (/phone|mobile|\btel\b|telefon|téléphone|handy/.test(w)) return 'phone';
    if (/first.?name|fname|given|vorname|prénom|prenom|nombre/.test(w)) return 'first-name';
    if (/last.?name|lname|surname|family|nachname|\bnom\b|apellido/.test(w)) return 'last-name';
    if (/full.?name|^name$|your name|\bname\b/.test(w)) return 'name';
    if (/zip|postal|post.?code|\bplz\b|code postal/.test(w)) return 'postal-code';
    if (/street|address|addr|straße|strasse|adresse|direcci/.test(w)) return 'street';
    if (/city|town|\bort\b|ville|ciudad/.test(w)) return 'city';
    return null;
  };
  const fields = [];
  const kinds = [];
  for (const el of all()) {
    if (fields.length >= max) break;
    if (!shown(el) || (el.value && el.value.length > 0)) continue;
    const k = kindOf(el);
    if (!k) continue;
    fields.push(el);
    kinds.push({ kind: k, date: (el.getAttribute('type') || '').toLowerCase() === 'date' });
  }
  globalThis.__vsFields = fields;
  return kinds;
}
