// "Copy" buttons beside read-only values (clone addresses, a new token).
// Progressive enhancement: without JavaScript the value stays in a read-only
// field that can be selected and copied by hand; with it, a button copies it
// and says so to screen readers through the field's live status line.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  for (const field of document.querySelectorAll('input[data-copy-label]')) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'secondary copy-button';
    button.textContent = field.dataset.copyLabel;
    button.setAttribute('aria-describedby', field.id);
    const status = document.createElement('span');
    status.className = 'visually-hidden';
    status.setAttribute('role', 'status');
    field.after(button, status);

    button.addEventListener('click', async () => {
      let copied = false;
      try {
        await navigator.clipboard.writeText(field.value);
        copied = true;
      } catch {
        // The asynchronous clipboard needs a secure origin; the older
        // command works on plain http too.
        field.focus();
        field.select();
        copied = document.execCommand('copy');
      }
      if (copied) {
        button.textContent = field.dataset.copiedLabel;
        status.textContent = field.dataset.copiedLabel;
        setTimeout(() => {
          button.textContent = field.dataset.copyLabel;
          status.textContent = '';
        }, 3000);
      }
    });
  }
});
