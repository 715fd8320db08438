import { h } from '../dom.ts';

/** One field, prefilled, one click. */
export function joinView(suggested: string, onJoin: (name: string) => Promise<void>): HTMLElement {
  const input = h('input', {
    id: 'join-name',
    name: 'name',
    type: 'text',
    maxlength: 40,
    required: true,
    autocomplete: 'nickname',
    value: suggested,
    'data-testid': 'join-name',
  });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const button = h('button', { type: 'submit', class: 'primary', 'data-testid': 'join' }, 'Join the vote');
  const form = h(
    'form',
    { class: 'card join', 'aria-labelledby': 'join-title' },
    h('h1', { id: 'join-title' }, 'Votewire'),
    h(
      'p',
      { class: 'lede' },
      'One live vote, four ways to hear it: polling, long polling, WebSocket and Server-Sent Events. Vote, switch transports live, and see what each one costs.',
    ),
    h('label', { for: 'join-name' }, 'Your name'),
    h('div', { class: 'join-row' }, input, button),
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    button.disabled = true;
    error.hidden = true;
    onJoin(input.value).catch((failure: unknown) => {
      error.textContent = `Could not join: ${failure instanceof Error ? failure.message : String(failure)}`;
      error.hidden = false;
      button.disabled = false;
    });
  });
  queueMicrotask(() => button.focus());
  return form;
}
