//! Strict standard base64 (RFC 4648 §4), decoded into a buffer of exactly the decoded size.
//!
//! It accepts exactly what the `base64` crate's `STANDARD` engine accepts (the alphabet with
//! `+` and `/`, canonical `=` padding to a multiple of 4 characters, the unused bits of the
//! last symbol zero) and refuses everything else; the tests check that on every input shape.
//! Written here because it decodes the open-data ciphertext in fewer instructions than the crate,
//! straight into the one buffer that is then decrypted in place and zeroized.

/// Set in a [`DECODE`] entry for a byte outside the alphabet: above the 24 bits four symbols
/// carry, so it survives any or-ing of entries.
const INVALID: u32 = 0xff00_0000;

/// For each position in a quad of symbols, each byte's 6-bit value already shifted to that
/// position's place in the quad's 24 bits, or [`INVALID`]: a quad decodes with four look-ups
/// or-ed together.
static DECODE: [[u32; 256]; 4] = [table(18), table(12), table(6), table(0)];

const fn table(shift: u32) -> [u32; 256] {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = (i as u32) << shift;
        i += 1;
    }
    table
}

/// The decoded size of `text` when its length and padding are well-formed (a multiple of 4
/// characters, at most two `=` at the end), else `None`. The symbols themselves are checked
/// by [`decode_into`].
pub(super) fn decoded_len(text: &[u8]) -> Option<usize> {
    if text.len() % 4 != 0 {
        return None;
    }
    let pad = match text {
        [.., b'=', b'='] => 2,
        [.., b'='] => 1,
        _ => 0,
    };
    Some(text.len() / 4 * 3 - pad)
}

/// Decodes `text` into `out`, which must be [`decoded_len`] bytes long. `Err(())` for any
/// byte outside the alphabet, padding anywhere but the end, or non-zero unused bits.
pub(super) fn decode_into(text: &[u8], out: &mut [u8]) -> Result<(), ()> {
    if decoded_len(text) != Some(out.len()) {
        return Err(());
    }
    let Some(last_start) = text.len().checked_sub(4) else {
        return Ok(()); // empty in, empty out
    };
    let (body, last) = text.split_at(last_start);
    let (out_body, out_last) = out.split_at_mut(body.len() / 4 * 3);
    // Symbols are checked once at the end: `INVALID` bits survive every or (and whatever an
    // invalid symbol wrote is never used). Sixteen symbols (twelve bytes) at a time, then the
    // odd quads.
    let mut seen = 0u32;
    let blocks = body.chunks_exact(16);
    let odd = blocks.remainder();
    let mut out_blocks = out_body.chunks_exact_mut(12);
    for (block, bytes) in blocks.zip(&mut out_blocks) {
        if let (&[a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p], [high @ .., l0, l1, l2, l3]) =
            (block, bytes)
        {
            let quads = [
                quad(a, b, c, d),
                quad(e, f, g, h),
                quad(i, j, k, l),
                quad(m, n, o, p),
            ];
            seen |= quads[0] | quads[1] | quads[2] | quads[3];
            // 96 bits: the first two quads and the top of the third, then the rest.
            let first =
                u64::from(quads[0]) << 40 | u64::from(quads[1]) << 16 | u64::from(quads[2]) >> 8;
            high.copy_from_slice(&first.to_be_bytes());
            [*l0, *l1, *l2, *l3] = (quads[2] << 24 | quads[3]).to_be_bytes();
        }
    }
    for (symbols, bytes) in odd
        .chunks_exact(4)
        .zip(out_blocks.into_remainder().chunks_exact_mut(3))
    {
        if let [a, b, c, d] = *symbols {
            let n = quad(a, b, c, d);
            seen |= n;
            bytes.copy_from_slice(&three_bytes(n));
        }
    }
    let (n, unused_bits) = match (last, out_last.len()) {
        ([a, b, c, d], 3) => (quad(*a, *b, *c, *d), 0),
        ([a, b, c, b'='], 2) => {
            let n = quad(*a, *b, *c, b'A');
            (n, n & 0xff)
        }
        ([a, b, b'=', b'='], 1) => {
            let n = quad(*a, *b, b'A', b'A');
            (n, n & 0xffff)
        }
        _ => return Err(()),
    };
    if (seen | n) & INVALID != 0 || unused_bits != 0 {
        return Err(());
    }
    for (byte, value) in out_last.iter_mut().zip(three_bytes(n)) {
        *byte = value;
    }
    Ok(())
}

/// Decodes the usual session key or iv, 24 characters ending in `==`, into its 16 bytes:
/// what [`decode_into`] does for that shape, unrolled. `false` for anything else (`out` then
/// holds garbage), for [`decode_into`] to tell what is wrong.
pub(super) fn decode_block(text: &[u8; 24], out: &mut [u8; 16]) -> bool {
    let [quads @ .., a, b, b'=', b'='] = text else {
        return false;
    };
    let mut seen = 0u32;
    for (symbols, bytes) in quads.chunks_exact(4).zip(out.chunks_exact_mut(3)) {
        if let [a, b, c, d] = *symbols {
            let n = quad(a, b, c, d);
            seen |= n;
            bytes.copy_from_slice(&three_bytes(n));
        }
    }
    let n = quad(*a, *b, b'A', b'A');
    out[15] = three_bytes(n)[0];
    (seen | n) & INVALID == 0 && n & 0xffff == 0
}

/// The 24 bits four symbols carry, with [`INVALID`] bits set if one is not in the alphabet.
#[inline(always)]
fn quad(a: u8, b: u8, c: u8, d: u8) -> u32 {
    DECODE[0][usize::from(a)]
        | DECODE[1][usize::from(b)]
        | DECODE[2][usize::from(c)]
        | DECODE[3][usize::from(d)]
}

/// The three bytes of a quad's 24 bits, most significant first.
#[inline(always)]
fn three_bytes(n: u32) -> [u8; 3] {
    let [_, x, y, z] = n.to_be_bytes();
    [x, y, z]
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    fn ours(text: &str) -> Option<Vec<u8>> {
        let mut out = vec![0; decoded_len(text.as_bytes())?];
        decode_into(text.as_bytes(), &mut out).ok()?;
        Some(out)
    }

    #[test]
    fn agrees_with_the_base64_crate() {
        // Every string of up to 4 symbols over an alphabet that reaches each branch (symbols
        // with zero and non-zero low bits, padding, a space, `-`, a non-ASCII character), alone
        // and before and after a valid quad.
        let symbols = ["A", "B", "Q", "g", "w", "/", "+", "=", " ", "-", "é"];
        let mut level = vec![String::new()];
        let mut texts = level.clone();
        for _ in 0..4 {
            level = level
                .iter()
                .flat_map(|t| symbols.iter().map(move |s| format!("{t}{s}")))
                .collect();
            texts.extend(level.iter().cloned());
        }
        for text in &texts {
            for text in [text.clone(), format!("QUJD{text}"), format!("{text}QUJD")] {
                assert_eq!(ours(&text), STANDARD.decode(&text).ok(), "{text:?}");
            }
        }
        let long = STANDARD.encode((0..=255u8).collect::<Vec<_>>());
        assert_eq!(ours(&long), STANDARD.decode(&long).ok());
    }

    #[test]
    fn every_length_and_every_position_of_a_bad_symbol() {
        // Every length up to four sixteen-symbol blocks plus each number of odd quads, and a
        // symbol outside the alphabet (or padding) at every position of a 72-symbol text.
        let bytes: Vec<u8> = (0..54u8).map(|b| b.wrapping_mul(37) ^ 0x5a).collect();
        for len in 0..=bytes.len() {
            let text = STANDARD.encode(&bytes[..len]);
            assert_eq!(ours(&text).as_deref(), Some(&bytes[..len]), "{len}");
        }
        let text = STANDARD.encode(&bytes);
        for at in 0..text.len() {
            for bad in ["-", "=", " ", "_"] {
                let mut broken = text.clone();
                broken.replace_range(at..=at, bad);
                assert_eq!(ours(&broken), STANDARD.decode(&broken).ok(), "{broken}");
            }
        }
    }

    #[test]
    fn the_block_path_agrees_with_the_general_one() {
        let key = *b"tiihtNczf5v6AKRyjwEUhQ==";
        for i in 0..24 {
            for symbol in [b'A', b'h', b'/', b'=', b' ', 0xc3] {
                let mut text = key;
                text[i] = symbol;
                let mut out = [0; 16];
                let fast = decode_block(&text, &mut out).then_some(out.to_vec());
                let general = ours(std::str::from_utf8(&text).unwrap_or("!"));
                assert_eq!(fast, general.filter(|g| g.len() == 16), "{text:?}");
            }
        }
    }

    #[test]
    fn the_output_must_have_the_decoded_size() {
        assert_eq!(decode_into(b"QUJD", &mut [0; 2]), Err(()));
        assert_eq!(decode_into(b"QUI=", &mut [0; 2]), Ok(()));
    }
}
