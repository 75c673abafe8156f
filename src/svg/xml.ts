// Escaping for every place untrusted text lands in the SVG: element text,
// attribute values, CDATA sections, comments and JavaScript string literals.
// Frame names and option values can hold anything (`</script>`, `]]>`, control
// characters); after these helpers the document is well-formed XML and no
// such text can end a script, a CDATA section or a comment early.

// Characters XML 1.0 does not allow at all (besides lone surrogates, which
// never come out of UTF-8 decoding): C0 controls other than tab, LF, CR, and
// U+FFFE/U+FFFF. They become U+FFFD so a name keeps its length.
const NOT_XML = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Replaces characters XML cannot carry with U+FFFD. */
export function xmlChars(s: string): string {
  NOT_XML.lastIndex = 0;
  return NOT_XML.test(s) ? s.replace(NOT_XML, '\ufffd') : s;
}

const TEXT_SPECIAL = /[&<>]/;
const ATTR_SPECIAL = /[&<>"\t\n\r]/;

/** Element text: escapes & < > (">" so that "]]>" cannot appear). */
export function escapeText(s: string): string {
  s = xmlChars(s);
  if (!TEXT_SPECIAL.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A double-quoted attribute value; tabs and line breaks kept as references. */
export function escapeAttr(s: string): string {
  s = xmlChars(s);
  if (!ATTR_SPECIAL.test(s)) return s;
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/**
 * A complete CDATA section holding `s`. A "]]>" inside is split across two
 * sections, which the XML parser joins back into the same text. Characters
 * above maxChar (the output encoding cannot carry them) become character
 * references between sections, which join the same way.
 */
export function cdata(s: string, maxChar = 0x10ffff): string {
  let body = xmlChars(s).replace(/\]\]>/g, ']]]]><![CDATA[>');
  if (maxChar < 0x10ffff) {
    body = body.replace(/[^\x00-\x7f]/gu, (ch) => {
      const c = ch.codePointAt(0)!;
      return c > maxChar ? `]]>&#x${c.toString(16)};<![CDATA[` : ch;
    });
  }
  return `<![CDATA[${body}]]>`;
}

/** Replaces characters above maxChar with character references (text, attributes, comments). */
export function charRefs(s: string, maxChar: number): string {
  if (maxChar >= 0x10ffff) return s;
  return s.replace(maxChar >= 0xff ? /[^\x00-\xff]/gu : /[^\x00-\x7f]/gu, (ch) => `&#x${ch.codePointAt(0)!.toString(16)};`);
}

/**
 * Comment text: "--" may not appear in a comment, nor a final "-"; "<" and
 * ">" are written as entity text too (shown as is, never parsed), so no tag
 * appears even to a reader that ignores comments.
 */
export function commentText(s: string): string {
  return xmlChars(s).replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/-(?=-|$)/g, '- ');
}

/**
 * A JavaScript string literal in single quotes, ASCII only: everything that
 * could end the literal, the CDATA section or the script element is a
 * \uXXXX escape.
 */
export function jsString(s: string): string {
  let out = "'";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x27 && c !== 0x5c && c !== 0x3c && c !== 0x3e && c !== 0x26 && c !== 0x5d) {
      out += s[i];
    } else {
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    }
  }
  return `${out}'`;
}
