// The web UI's Alpine components. build.mjs puts this file before Alpine's CSP
// build in assets/app.js, so the alpine:init listener exists before Alpine
// starts. The CSP build evaluates no JavaScript in templates: they name only
// properties and methods (x-data="board", @click="toggle", x-text="count").
(function () {
  'use strict';

  const THEME_KEY = 'djcrm-theme';
  const HIGHLIGHT = ['ring-2', 'ring-blue-500'];

  document.addEventListener('alpine:init', () => {
    const Alpine = window.Alpine;

    // <button x-data="themeToggle" @click="toggle" :aria-pressed="pressed" x-text="label">
    Alpine.data('themeToggle', () => ({
      dark: false,
      pressed: 'false', // a string: Alpine drops an attribute bound to false
      label: 'Light mode',

      init() {
        const root = document.documentElement;
        this.show(root.classList.contains('dark'));
        // theme.js switches the class when the system setting changes.
        new MutationObserver(() => this.show(root.classList.contains('dark')))
          .observe(root, { attributes: true, attributeFilter: ['class'] });
      },

      toggle() {
        const dark = !this.dark;
        document.documentElement.classList.toggle('dark', dark);
        try {
          localStorage.setItem(THEME_KEY, dark ? 'dark' : 'light');
        } catch (e) {
          // storage disabled: the choice lasts until the next page
        }
        this.show(dark);
      },

      show(dark) {
        this.dark = dark;
        this.pressed = String(dark);
        this.label = dark ? 'Dark mode' : 'Light mode';
      },
    }));

    // <form x-data="bulkSelect" @change="recount"> with checkboxes name="lead_ids",
    // a select-all box @change="toggleAll" (kept checked or mixed if it has
    // data-select-all), and a submit button :disabled="none".
    Alpine.data('bulkSelect', () => ({
      count: 0,
      none: true,

      init() {
        this.recount();
      },

      boxes() {
        return [...this.$root.querySelectorAll('input[type=checkbox][name=lead_ids]')];
      },

      toggleAll(event) {
        for (const box of this.boxes()) {
          if (!box.disabled) box.checked = event.target.checked;
        }
        this.recount();
      },

      recount() {
        const boxes = this.boxes();
        this.count = boxes.filter((box) => box.checked).length;
        this.none = this.count === 0;
        const all = this.$root.querySelector('[data-select-all]');
        if (all) {
          all.checked = boxes.length > 0 && this.count === boxes.length;
          all.indeterminate = this.count > 0 && this.count < boxes.length;
        }
      },
    }));

    // <div x-data="board" data-csrf="…"> holding <p role="alert" x-text="message">
    // and columns <section data-status data-label @dragover="over"
    // @dragleave="leave" @drop="drop"> with a <span data-count> and an
    // <ol data-cards> of cards <li draggable="true" data-lead-id data-version
    // data-status data-name @dragstart="start" @dragend="end">. Each card also
    // holds a plain form, which is how keyboard users move it.
    Alpine.data('board', () => {
      let dragged = null; // the card being dragged; not reactive state

      return {
        message: '',
        ok: true,

        start(event) {
          dragged = event.currentTarget;
          event.dataTransfer.setData('text/plain', dragged.dataset.leadId);
          event.dataTransfer.effectAllowed = 'move';
        },

        end() {
          dragged = null;
          for (const section of this.$root.querySelectorAll('section[data-status]')) {
            section.classList.remove(...HIGHLIGHT);
          }
        },

        over(event) {
          if (!dragged) return; // not one of our cards: no drop allowed here
          event.preventDefault();
          event.dataTransfer.dropEffect = 'move';
          event.currentTarget.classList.add(...HIGHLIGHT);
        },

        leave(event) {
          const section = event.currentTarget;
          // dragleave also fires when the pointer moves onto a child element.
          if (!section.contains(event.relatedTarget)) section.classList.remove(...HIGHLIGHT);
        },

        async drop(event) {
          event.preventDefault(); // or Firefox opens the dropped text as a URL
          const section = event.currentTarget;
          section.classList.remove(...HIGHLIGHT);
          const card = dragged;
          const status = section.dataset.status;
          if (!card || card.dataset.status === status) return;
          const from = card.closest('section[data-status]');
          const csrf = this.$root.dataset.csrf;

          let response;
          try {
            response = await fetch('/board/move', {
              method: 'POST',
              credentials: 'same-origin',
              headers: {
                'Content-Type': 'application/x-www-form-urlencoded',
                'X-CSRF-Token': csrf,
                Accept: 'application/json',
              },
              body: new URLSearchParams({
                csrf,
                lead_id: card.dataset.leadId,
                status,
                version: card.dataset.version,
              }),
            });
          } catch (e) {
            this.report(false, 'Could not reach the server; the card was not moved.');
            return;
          }
          const body = await response.json().catch(() => ({}));
          // A 2xx without a version is not a move either: say, an expired
          // session redirected to the HTML login page.
          if (!response.ok || body.version == null) {
            this.report(false, body.detail || body.title || 'The move failed.');
            return;
          }

          section.querySelector('[data-cards]').append(card);
          card.dataset.version = body.version;
          card.dataset.status = body.status || status;
          // The card's own form must send the new version, and offer the
          // moves of the new stage (none: the form goes).
          for (const input of card.querySelectorAll('input[name=version]')) {
            input.value = body.version;
          }
          offer(card, body.moves || []);
          bump(from, -1);
          bump(section, 1);
          this.report(true, `Moved ${card.dataset.name} to ${section.dataset.label || status}.`);
        },

        report(ok, message) {
          this.ok = ok;
          this.message = message;
        },

        // :class="tone" on the message: green for a move, red for a refusal.
        get tone() {
          return this.ok ? 'board-message-ok' : 'board-message';
        },
      };
    });
  });

  // Adjusts a column's count rather than counting its cards, as a column may
  // show only some of them.
  // A "50+" (the column shows its newest 50) keeps its plus.
  function bump(section, delta) {
    const count = section && section.querySelector('[data-count]');
    if (!count) return;
    const text = count.textContent.trim();
    const more = text.endsWith('+') ? '+' : '';
    const n = Number.parseInt(text, 10);
    count.textContent = Number.isNaN(n)
      ? String(section.querySelectorAll('[data-lead-id]').length)
      : `${Math.max(0, n + delta)}${more}`;
  }

  // Replaces the options of a card's move form with `moves` ({value, label}).
  function offer(card, moves) {
    const form = card.querySelector('form[action="/board/move"]');
    if (!form) return;
    if (moves.length === 0) {
      form.remove();
      return;
    }
    const select = form.querySelector('select[name=status]');
    select.replaceChildren(...moves.map((move) => new Option(move.label, move.value)));
  }

  // <form data-confirm="Delete this lead?">: asks before submitting. Listening
  // on the document in the capture phase also covers forms added later, and
  // stops a cancelled submit before any handler on the form itself sees it.
  document.addEventListener(
    'submit',
    (event) => {
      const form = event.target;
      if (form instanceof HTMLFormElement && form.dataset.confirm !== undefined
          && !window.confirm(form.dataset.confirm)) {
        event.preventDefault();
        event.stopPropagation();
      }
    },
    true,
  );
})();
