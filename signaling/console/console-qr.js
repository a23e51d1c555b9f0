// console-qr.js: a QR code encoder (ISO/IEC 18004) for the join links the console shows: byte
// mode (UTF-8), error correction level M, versions 1 to 10 (up to 213 bytes), the mask with the
// lowest penalty. RD.qr.encode(text) returns {version, size, mask, modules (rows of booleans,
// true = dark)}; RD.qr.toDataUrl(text, scale) a PNG data: URL with a 4-module quiet zone.
// Nothing leaves the page.
'use strict';
window.RD = window.RD || {};
RD.qr = (function () {
  // Per version (index 1..10) at level M: [total codewords, ECC codewords per block, blocks].
  const TABLE = [null, [26, 10, 1], [44, 16, 1], [70, 26, 1], [100, 18, 2], [134, 24, 2],
    [172, 16, 4], [196, 18, 4], [242, 22, 4], [292, 22, 5], [346, 26, 5]];
  const ALIGN = [null, [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38],
    [6, 24, 42], [6, 26, 46], [6, 28, 50]];

  function gfMul(x, y) {
    let z = 0;
    for (let i = 7; i >= 0; i--) {
      z = (z << 1) ^ ((z >>> 7) * 0x11d);
      z ^= ((y >>> i) & 1) * x;
    }
    return z;
  }

  function rsDivisor(degree) {
    const result = new Array(degree).fill(0);
    result[degree - 1] = 1;
    let root = 1;
    for (let i = 0; i < degree; i++) {
      for (let j = 0; j < degree; j++) {
        result[j] = gfMul(result[j], root);
        if (j + 1 < degree) result[j] ^= result[j + 1];
      }
      root = gfMul(root, 2);
    }
    return result;
  }

  function rsRemainder(data, divisor) {
    const result = divisor.map(() => 0);
    for (const b of data) {
      const factor = b ^ result.shift();
      result.push(0);
      divisor.forEach((coef, i) => { result[i] ^= gfMul(coef, factor); });
    }
    return result;
  }

  // The data codewords: mode, count, the bytes, terminator and padding.
  function dataCodewords(bytes, version) {
    const [total, ecc, blocks] = TABLE[version];
    const capacity = (total - ecc * blocks) * 8;
    const bits = [];
    const put = (value, n) => { for (let i = n - 1; i >= 0; i--) bits.push((value >>> i) & 1); };
    put(4, 4);
    put(bytes.length, version < 10 ? 8 : 16);
    bytes.forEach((b) => put(b, 8));
    put(0, Math.min(4, capacity - bits.length));
    put(0, (8 - (bits.length % 8)) % 8);
    for (let pad = 0xec; bits.length < capacity; pad ^= 0xec ^ 0x11) put(pad, 8);
    const out = [];
    for (let i = 0; i < bits.length; i += 8) {
      let v = 0;
      for (let j = 0; j < 8; j++) v = (v << 1) | bits[i + j];
      out.push(v);
    }
    return out;
  }

  // Splits into blocks, adds each block's ECC and interleaves.
  function allCodewords(data, version) {
    const [total, ecc, numBlocks] = TABLE[version];
    const numShort = numBlocks - (total % numBlocks);
    const shortLen = Math.floor(total / numBlocks);
    const divisor = rsDivisor(ecc);
    const blocks = [];
    for (let i = 0, k = 0; i < numBlocks; i++) {
      const dat = data.slice(k, k + shortLen - ecc + (i < numShort ? 0 : 1));
      k += dat.length;
      const block = dat.concat(rsRemainder(dat, divisor));
      if (i < numShort) block.splice(shortLen - ecc, 0, -1);
      blocks.push(block);
    }
    const out = [];
    for (let i = 0; i < blocks[0].length; i++)
      for (const block of blocks) if (block[i] !== -1) out.push(block[i]);
    return out;
  }

  function Grid(version) {
    const size = version * 4 + 17;
    const modules = [], fixed = [];
    for (let y = 0; y < size; y++) {
      modules.push(new Array(size).fill(false));
      fixed.push(new Array(size).fill(false));
    }
    const set = (x, y, dark) => { modules[y][x] = dark; fixed[y][x] = true; };
    for (let i = 0; i < size; i++) { set(6, i, i % 2 === 0); set(i, 6, i % 2 === 0); }
    for (const [cx, cy] of [[3, 3], [size - 4, 3], [3, size - 4]])
      for (let dy = -4; dy <= 4; dy++)
        for (let dx = -4; dx <= 4; dx++) {
          const x = cx + dx, y = cy + dy, d = Math.max(Math.abs(dx), Math.abs(dy));
          if (x >= 0 && x < size && y >= 0 && y < size) set(x, y, d !== 2 && d !== 4);
        }
    const pos = ALIGN[version], last = pos.length - 1;
    for (let i = 0; i <= last; i++)
      for (let j = 0; j <= last; j++) {
        if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) continue;
        for (let dy = -2; dy <= 2; dy++)
          for (let dx = -2; dx <= 2; dx++)
            set(pos[i] + dx, pos[j] + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
      }
    this.size = size; this.modules = modules; this.fixed = fixed; this.set = set;
    this.formatBits(0);
    if (version >= 7) {
      let rem = version;
      for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
      const bits = (version << 12) | rem;
      for (let i = 0; i < 18; i++) {
        const dark = ((bits >>> i) & 1) === 1, a = size - 11 + (i % 3), b = Math.floor(i / 3);
        set(a, b, dark); set(b, a, dark);
      }
    }
  }

  // Format information for level M (bits 00) and @mask, both copies, and the dark module.
  Grid.prototype.formatBits = function (mask) {
    const size = this.size, set = this.set, data = mask;
    let rem = data;
    for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
    const bits = ((data << 10) | rem) ^ 0x5412;
    const bit = (i) => ((bits >>> i) & 1) === 1;
    for (let i = 0; i <= 5; i++) set(8, i, bit(i));
    set(8, 7, bit(6)); set(8, 8, bit(7)); set(7, 8, bit(8));
    for (let i = 9; i < 15; i++) set(14 - i, 8, bit(i));
    for (let i = 0; i < 8; i++) set(size - 1 - i, 8, bit(i));
    for (let i = 8; i < 15; i++) set(8, size - 15 + i, bit(i));
    set(8, size - 8, true);
  };

  Grid.prototype.place = function (codewords) {
    const size = this.size;
    let i = 0;
    for (let right = size - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5;
      for (let vert = 0; vert < size; vert++)
        for (let j = 0; j < 2; j++) {
          const x = right - j, upward = ((right + 1) & 2) === 0;
          const y = upward ? size - 1 - vert : vert;
          if (!this.fixed[y][x] && i < codewords.length * 8) {
            this.modules[y][x] = ((codewords[i >>> 3] >>> (7 - (i & 7))) & 1) === 1;
            i++;
          }
        }
    }
  };

  const MASKS = [(x, y) => (x + y) % 2 === 0, (x, y) => y % 2 === 0, (x) => x % 3 === 0,
    (x, y) => (x + y) % 3 === 0, (x, y) => (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0,
    (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
    (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
    (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0];

  Grid.prototype.applyMask = function (mask) {
    for (let y = 0; y < this.size; y++)
      for (let x = 0; x < this.size; x++)
        if (!this.fixed[y][x] && MASKS[mask](x, y)) this.modules[y][x] = !this.modules[y][x];
  };

  // The standard's penalty: runs, 2x2 blocks, finder-like patterns, balance.
  Grid.prototype.penalty = function () {
    const n = this.size, m = this.modules;
    let score = 0, dark = 0;
    const line = (get) => {
      let run = 1, s = 0;
      const seq = [];
      for (let i = 0; i < n; i++) {
        seq.push(get(i) ? 1 : 0);
        if (i > 0 && get(i) === get(i - 1)) run++;
        else { if (run >= 5) s += run - 2; run = 1; }
      }
      if (run >= 5) s += run - 2;
      const text = '0000' + seq.join('') + '0000';
      for (const p of ['00001011101', '10111010000'])
        for (let k = text.indexOf(p); k >= 0; k = text.indexOf(p, k + 1)) s += 40;
      return s;
    };
    for (let i = 0; i < n; i++) {
      score += line((j) => m[i][j]) + line((j) => m[j][i]);
      for (let j = 0; j < n; j++) {
        if (m[i][j]) dark++;
        if (i + 1 < n && j + 1 < n && m[i][j] === m[i][j + 1] && m[i][j] === m[i + 1][j] &&
            m[i][j] === m[i + 1][j + 1])
          score += 3;
      }
    }
    return score + 10 * Math.floor(Math.abs(dark * 20 - n * n * 10) / (n * n));
  };

  function encode(text) {
    const bytes = Array.from(new TextEncoder().encode(text));
    let version = 1;
    for (; version <= 10; version++) {
      const [total, ecc, blocks] = TABLE[version];
      if (4 + (version < 10 ? 8 : 16) + bytes.length * 8 <= (total - ecc * blocks) * 8) break;
    }
    if (version > 10) throw new RangeError('text too long for a version 10 QR code');
    const codewords = allCodewords(dataCodewords(bytes, version), version);
    let best = null;
    for (let mask = 0; mask < 8; mask++) {
      const grid = new Grid(version);
      grid.place(codewords);
      grid.applyMask(mask);
      grid.formatBits(mask);
      const score = grid.penalty();
      if (!best || score < best.score) best = { score, grid, mask };
    }
    return { version, size: best.grid.size, mask: best.mask, modules: best.grid.modules };
  }

  function toDataUrl(text, scale) {
    const qr = encode(text), quiet = 4, px = scale || 6;
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = (qr.size + quiet * 2) * px;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = '#000';
    for (let y = 0; y < qr.size; y++)
      for (let x = 0; x < qr.size; x++)
        if (qr.modules[y][x]) ctx.fillRect((x + quiet) * px, (y + quiet) * px, px, px);
    return canvas.toDataURL('image/png');
  }

  return { encode, toDataUrl };
})();
