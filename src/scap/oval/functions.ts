/**
 * Helpers of OVAL local-variable functions that have their own grammar: glob_to_regex (OpenSCAP's
 * glob-to-Perl conversion) and time_difference (its date formats).
 */

const SPECIAL = new Set(['.', '|', '^', '(', ')', '{', '}', '+', '$']);

/** OpenSCAP's glob → Perl regex conversion; undefined for an unterminated bracket. */
export function globToRegex(glob: string, noescape: boolean): string | undefined {
  let re = '^';
  type S = 'start' | 'normal' | 'bracket' | 'class' | 'escape' | 'slash';
  let state: S = 'start';
  for (const c of glob) {
    switch (state) {
      case 'start':
      case 'slash':
      case 'normal': {
        const leading = state !== 'normal';
        if (c === '/') {
          re += c;
          state = 'slash';
        } else if (c === '?') {
          re += leading ? '[^./]' : '[^/]';
          state = 'normal';
        } else if (c === '*') {
          re += leading ? '(?=[^.])[^/]*' : '[^/]*';
          state = 'normal';
        } else if (SPECIAL.has(c)) {
          re += '\\' + c;
          state = 'normal';
        } else if (c === '[') {
          re += '[';
          state = 'bracket';
        } else if (c === '\\') {
          if (noescape) {
            re += '\\\\';
            state = 'normal';
          } else state = 'escape';
        } else {
          re += c;
          state = 'normal';
        }
        break;
      }
      case 'bracket':
        re += c === '!' ? '^' : c;
        state = 'class';
        break;
      case 'class':
        if (c === '\\') {
          if (noescape) re += '\\';
        } else if (c === ']') state = 'normal';
        re += c;
        break;
      case 'escape':
        re += c === '?' || c === '*' || c === '[' || c === ']' ? '\\' + c : '\\\\' + c;
        state = 'normal';
        break;
    }
  }
  if (state === 'bracket' || state === 'class') return undefined;
  if (state === 'escape') re += '\\\\';
  return re + '$';
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function secs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, s, 0);
  return Math.floor(t.getTime() / 1000);
}

/**
 * OpenSCAP 1.3 passes strptime's tm_year (years since 1900) and tm_mon (0-based) to a helper that
 * subtracts 1900 and 1 again, so the year_month_day, month_day_year and day_month_year formats are
 * computed 1900 years and one month early. Reproduced so that differences equal OpenSCAP's.
 */
function strptimeSecs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  return secs(y - 1900, mo - 1, d, h, mi, s);
}

/** Seconds since the epoch of a date string in an OVAL DateTimeFormatEnumeration format (0 when unparsable, as OpenSCAP). */
export function parseOvalDate(v: string, format: string): number {
  const t = v.trim();
  const time = (rest: string | undefined): [number, number, number] | undefined => {
    if (rest === undefined || rest === '') return [0, 0, 0];
    const m = /^\s+(\d{1,2}):(\d{1,2}):(\d{1,2})$/.exec(rest);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
  };
  let m: RegExpExecArray | null;
  switch (format) {
    case 'year_month_day': {
      if ((m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2}))?$/.exec(t)))
        return strptimeSecs(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
      if ((m = /^(\d{4})([/-])(\d{1,2})\2(\d{1,2})(.*)$/.exec(t))) {
        const tm = time(m[5]);
        if (tm) return strptimeSecs(+m[1]!, +m[3]!, +m[4]!, ...tm);
      }
      return 0;
    }
    case 'month_day_year': {
      if ((m = /^(\d{1,2})([/-])(\d{1,2})\2(\d{4})(.*)$/.exec(t))) {
        const tm = time(m[5]);
        if (tm) return strptimeSecs(+m[4]!, +m[1]!, +m[3]!, ...tm);
      }
      if ((m = /^([A-Za-z]{3})[A-Za-z]*,?\s+(\d{1,2}),?\s+(\d{4})(.*)$/.exec(t))) {
        const mo = MONTHS.indexOf(m[1]!.toLowerCase());
        const tm = time(m[4]);
        if (mo >= 0 && tm) return strptimeSecs(+m[3]!, mo + 1, +m[2]!, ...tm);
      }
      return 0;
    }
    case 'day_month_year': {
      if ((m = /^(\d{1,2})([/-])(\d{1,2})\2(\d{4})(.*)$/.exec(t))) {
        const tm = time(m[5]);
        if (tm) return strptimeSecs(+m[4]!, +m[3]!, +m[1]!, ...tm);
      }
      return 0;
    }
    case 'seconds_since_epoch':
      return Number.parseInt(t, 10) || 0;
    case 'win_filetime': {
      // 100-ns intervals since 1601-01-01 (OpenSCAP leaves this unimplemented and returns 0).
      if (!/^[0-9a-fA-F]+$/.test(t)) return 0;
      const n = /^\d+$/.test(t) ? BigInt(t) : BigInt('0x' + t);
      return Number(n / 10000000n - 11644473600n);
    }
    case 'cim_datetime': {
      if ((m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\.\d{6}[+-]\d{3}$/.exec(t)))
        return secs(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
      if ((m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}):\d{3}$/.exec(t)))
        return secs(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
      if ((m = /^(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2}):\d{3}$/.exec(t)))
        return secs(+m[3]!, +m[1]!, +m[2]!, +m[4]!, +m[5]!, +m[6]!);
      return 0;
    }
    default:
      return 0;
  }
}

/**
 * time_difference of two values: first − second in seconds, printed like OpenSCAP: as an unsigned
 * 64-bit number into a 16-byte buffer (so a negative difference comes out as its first 15 digits).
 */
export function timeDifference(a: string, fa: string, b: string, fb: string): string {
  const d = BigInt(parseOvalDate(a, fa)) - BigInt(parseOvalDate(b, fb));
  return (d < 0n ? d + (1n << 64n) : d).toString().slice(0, 15);
}
