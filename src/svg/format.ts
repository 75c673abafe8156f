// Number formatting that prints exactly what flamegraph.pl prints, so the
// geometry and tooltips come out character for character the same.
//
// flamegraph.pl formats with Perl's sprintf("%.Nf"), which is C's printf: an
// exact tie in binary rounds to the even digit (0.125 -> "0.12", 116.25 ->
// "116.2"). JavaScript's toFixed rounds such ties up. Everything that is not
// an exact tie is rounded the same way by both.

/** C printf("%.{digits}f", x), for |x| < 1e21. */
export function fixed(x: number, digits: number): string {
  const scaled = x * 2 ** (digits + 1);
  // x is an exact decimal tie at this precision iff x * 2^(digits+1) is an odd integer.
  if (Number.isInteger(scaled) && scaled % 2 !== 0 && Math.abs(scaled) < 2 ** 52) {
    return evenTie(x, digits);
  }
  return x.toFixed(digits);
}

function evenTie(x: number, digits: number): string {
  const neg = x < 0;
  const half = Math.abs(x) * 10 ** digits; // n + 0.5, exact for these magnitudes
  let n = Math.floor(half);
  if (n % 2 !== 0) n++;
  let s = String(n);
  if (digits > 0) {
    s = s.padStart(digits + 1, '0');
    s = `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
  }
  return neg ? `-${s}` : s;
}

/** How Perl prints a number in a string ("%.15g", integers plainly). */
export function perlNumber(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  return String(Number(x.toPrecision(15)));
}

/** Thousands separators on an integer string: "10101010" -> "10,101,010". */
export function withCommas(digits: string): string {
  const neg = digits.startsWith('-');
  const body = neg ? digits.slice(1) : digits;
  if (body.length <= 3) return digits;
  let out = '';
  const head = body.length % 3 || 3;
  out = body.slice(0, head);
  for (let i = head; i < body.length; i += 3) out += `,${body.slice(i, i + 3)}`;
  return neg ? `-${out}` : out;
}
