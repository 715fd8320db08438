import { h } from '../dom.ts';
import type { FrameInRun } from '../models/anatomy.ts';
import type { ByteRange, DecodedFrame } from '../models/ws-frame.ts';

/** A frame field: its name (always shown as text), the class that colours it, and its bytes. */
interface Field {
  readonly name: string;
  readonly className: string;
  readonly range: ByteRange;
}

function fieldsOf(frame: DecodedFrame): Field[] {
  const { ranges } = frame;
  const fields: Field[] = [
    { name: 'FIN, RSV1–3, opcode', className: 'field-flags', range: ranges.flags },
    { name: 'MASK, payload length', className: 'field-length', range: ranges.maskAndLength },
    { name: 'extended payload length', className: 'field-extended', range: ranges.extendedLength },
    { name: 'masking key', className: 'field-key', range: ranges.maskingKey },
    { name: frame.masked ? 'payload (masked)' : 'payload', className: 'field-payload', range: ranges.payload },
  ];
  return fields.filter((field) => field.range.end > field.range.start);
}

const hex = (byte: number): string => byte.toString(16).padStart(2, '0');
const hexBytes = (bytes: Uint8Array, max = 48): string =>
  Array.from(bytes.subarray(0, max), hex).join(' ') + (bytes.length > max ? ` … (${bytes.length} bytes)` : '');
const bit = (on: boolean): string => (on ? '1' : '0');
const printable = (byte: number): string => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.');
const span = (range: ByteRange): string => (range.end - range.start === 1 ? `${range.start}` : `${range.start}–${range.end - 1}`);

/** The frame's fields in a table: each with its bytes, its bits, its value and what it means. */
function fieldTable(frame: DecodedFrame, testId: string): HTMLElement {
  const { ranges } = frame;
  const lengthBits =
    frame.lengthForm === '7-bit'
      ? 'byte 1, bits 6–0'
      : `byte 1, bits 6–0 = ${frame.lengthForm === '16-bit' ? 126 : 127}, then bytes ${span(ranges.extendedLength)}`;
  const row = (className: string, field: string, where: string, value: string, meaning: string, id?: string) =>
    h(
      'tr',
      { class: className },
      h('th', { scope: 'row' }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), field),
      h('td', { class: 'mono' }, where),
      h('td', { class: 'mono', 'data-testid': id === undefined ? undefined : `${testId}-${id}` }, value),
      h('td', {}, meaning),
    );
  const rows = [
    row('field-flags', 'FIN', 'byte 0, bit 7', bit(frame.fin), frame.fin ? 'the last (here: only) fragment of the message' : 'more fragments follow', 'fin'),
    row('field-flags', 'RSV1–3', 'byte 0, bits 6–4', `${bit(frame.rsv1)} ${bit(frame.rsv2)} ${bit(frame.rsv3)}`, 'no extension in use (no compression)'),
    row('field-flags', 'opcode', 'byte 0, bits 3–0', `0x${frame.opcode.toString(16)}`, frame.opcodeName, 'opcode'),
    row(
      'field-length',
      'MASK',
      'byte 1, bit 7',
      bit(frame.masked),
      frame.masked ? 'masked: every client-to-server frame must be' : 'not masked: server-to-client frames never are',
      'mask',
    ),
    row(
      frame.lengthForm === '7-bit' ? 'field-length' : 'field-extended',
      'payload length',
      lengthBits,
      String(frame.payloadLength),
      `${frame.lengthForm} form (${frame.lengthForm === '7-bit' ? 'up to 125' : frame.lengthForm === '16-bit' ? '126 to 65,535' : '65,536 and more'} bytes)`,
      'length',
    ),
  ];
  if (frame.maskingKey !== undefined) {
    rows.push(
      row(
        'field-key',
        'masking key',
        `bytes ${span(ranges.maskingKey)}`,
        hexBytes(frame.maskingKey),
        'XORed over the payload, byte i with key byte i mod 4',
        'key',
      ),
    );
  }
  rows.push(
    row(
      'field-payload',
      frame.masked ? 'payload (masked bytes)' : 'payload',
      ranges.payload.end > ranges.payload.start ? `bytes ${span(ranges.payload)}` : '–',
      hexBytes(frame.wirePayload),
      frame.truncated ? `the first ${frame.wirePayload.length} of ${frame.payloadLength} bytes were kept` : `${frame.payloadLength} bytes`,
      'wire-payload',
    ),
  );
  return h(
    'table',
    { class: 'frame-fields' },
    h('caption', {}, 'Header fields, in wire order'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'field'),
        h('th', { scope: 'col' }, 'where'),
        h('th', { scope: 'col' }, 'value'),
        h('th', { scope: 'col' }, 'meaning'),
      ),
    ),
    h('tbody', {}, ...rows),
  );
}

/**
 * A hex dump of `bytes[start, end)`, 16 to a row, with an ASCII column. Each byte carries its field's
 * class (the colour) and name (a tooltip); the field table and the legend name the same colours in text.
 */
export function hexDump(bytes: Uint8Array, start: number, end: number, fields: readonly Field[], caption: string): HTMLElement {
  const fieldAt = (index: number): Field | undefined => fields.find((f) => index >= f.range.start && index < f.range.end);
  const rows: HTMLElement[] = [];
  for (let rowStart = start; rowStart < end; rowStart += 16) {
    const hexCell = h('td', { class: 'mono hex' });
    const asciiCell = h('td', { class: 'mono ascii' });
    for (let i = rowStart; i < Math.min(end, rowStart + 16); i++) {
      const field = fieldAt(i);
      const attributes = { class: field?.className, title: field?.name };
      hexCell.append(h('span', attributes, hex(bytes[i]!)), ' ');
      asciiCell.append(h('span', attributes, printable(bytes[i]!)));
    }
    rows.push(h('tr', {}, h('th', { scope: 'row', class: 'mono' }, (rowStart - start).toString(16).padStart(4, '0')), hexCell, asciiCell));
  }
  const legend = h(
    'ul',
    { class: 'legend' },
    ...fields.map((field) =>
      h(
        'li',
        { class: field.className },
        h('span', { class: 'swatch', 'aria-hidden': 'true' }),
        `${field.name}: bytes ${span({ start: field.range.start - start, end: field.range.end - start })}`,
      ),
    ),
  );
  return h(
    'div',
    { class: 'hexdump-wrap' },
    h(
      'table',
      { class: 'hexdump' },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'offset'), h('th', { scope: 'col' }, 'hex'), h('th', { scope: 'col' }, 'ASCII'))),
      h('tbody', {}, ...rows),
    ),
    legend,
  );
}

/** One decoded frame: a summary line, the field table, the hex dump, and the payload as text. */
export function frameView({ frame, run }: FrameInRun, testId: string): HTMLElement {
  const summary =
    `${frame.opcodeName} frame: FIN=${bit(frame.fin)}, MASK=${bit(frame.masked)}, ` +
    `${frame.payloadLength}-byte payload (${frame.lengthForm} length), ${frame.ranges.payload.start - frame.offset + frame.payloadLength} bytes on the wire`;
  return h(
    'div',
    { class: 'frame', 'data-testid': testId },
    h('p', { 'data-testid': `${testId}-summary` }, summary),
    fieldTable(frame, testId),
    hexDump(run, frame.offset, frame.ranges.payload.end, fieldsOf(frame), 'The frame’s bytes: hex and ASCII, coloured by field'),
    h('p', { class: 'payload-label' }, frame.masked ? 'Payload, unmasked (masked bytes XOR masking key):' : 'Payload as text:'),
    wireText(new TextDecoder().decode(frame.payload), `${testId}-payload`, frame.masked ? 'Unmasked payload' : 'Payload'),
  );
}

/**
 * Captured text as it crossed the wire, in a block that scrolls sideways rather than wrapping; being
 * scrollable, it is a named region a keyboard can reach (Tab, then the arrow keys).
 */
export function wireText(text: string, testId: string, label: string): HTMLElement {
  return h('pre', { class: 'wire-text', 'data-testid': testId, tabindex: '0', role: 'region', 'aria-label': label }, text);
}
