//! Strict standard base64 (RFC 4648 §4), decoded into a buffer of exactly the decoded size.
//!
//! It accepts exactly what the `base64` crate's `STANDARD` engine accepts (the alphabet with
//! `+` and `/`, canonical `=` padding to a multiple of 4 characters, the unused bits of the
//! last symbol zero) and refuses everything else; the tests check that on every input shape.
//! Written here because it decodes the open-data ciphertext in fewer instructions than the crate,
//! straight into the one buffer that is then decrypted in place and zeroized.

/// Marks a byte outside the alphabet in [`SYMBOLS`].
const INVALID: u8 = 0xff;

/// Each byte's 6-bit value, or [`INVALID`].
const SYMBOLS: [u8; 256] = {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

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
    // Symbols are checked once at the end: every valid one is below 64, `INVALID` is not.
    // Eight symbols (six bytes) at a time, then the odd quad if there is one.
    let mut seen = 0u8;
    let octets = body.chunks_exact(8);
    let odd = octets.remainder();
    let mut out_octets = out_body.chunks_exact_mut(6);
    for (octet, bytes) in octets.zip(&mut out_octets) {
        let mut n = 0u64;
        for &symbol in octet {
            let value = SYMBOLS[usize::from(symbol)];
            seen |= value;
            n = n << 6 | u64::from(value);
        }
        bytes.copy_from_slice(&n.to_be_bytes()[2..]);
    }
    if let ([a, b, c, d], [x, y, z]) = (odd, out_octets.into_remainder()) {
        let (n, symbols) = quad_value(*a, *b, *c, *d);
        seen |= symbols;
        *x = (n >> 16) as u8;
        *y = (n >> 8) as u8;
        *z = n as u8;
    }
    let (n, symbols, unused_bits) = match (last, out_last.len()) {
        ([a, b, c, d], 3) => {
            let (n, symbols) = quad_value(*a, *b, *c, *d);
            (n, symbols, 0)
        }
        ([a, b, c, b'='], 2) => {
            let (n, symbols) = quad_value(*a, *b, *c, b'A');
            (n, symbols, n & 0xff)
        }
        ([a, b, b'=', b'='], 1) => {
            let (n, symbols) = quad_value(*a, *b, b'A', b'A');
            (n, symbols, n & 0xffff)
        }
        _ => return Err(()),
    };
    if (seen | symbols) & 0xc0 != 0 || unused_bits != 0 {
        return Err(());
    }
    for (byte, shift) in out_last.iter_mut().zip([16, 8, 0]) {
        *byte = (n >> shift) as u8;
    }
    Ok(())
}

/// The 24 bits four symbols carry, and their values or-ed together (with the top bits set if
/// one is not in the alphabet).
fn quad_value(a: u8, b: u8, c: u8, d: u8) -> (u32, u8) {
    let [a, b, c, d] = [a, b, c, d].map(|s| SYMBOLS[usize::from(s)]);
    let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
    (n, a | b | c | d)
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
    fn the_output_must_have_the_decoded_size() {
        assert_eq!(decode_into(b"QUJD", &mut [0; 2]), Err(()));
        assert_eq!(decode_into(b"QUI=", &mut [0; 2]), Ok(()));
    }
}
