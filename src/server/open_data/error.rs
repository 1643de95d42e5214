//! The typed failures of open-data decryption and of the rawData signature check.
//!
//! No message or field ever carries the session key, the iv, the encrypted data or any part of
//! the plaintext: only lengths, positions and the name of the check that failed.

/// Why [`decrypt`](super::decrypt) refused its input, in the order the checks run.
///
/// [`demo_code`](Self::demo_code) maps each variant to the code WeChat's official demo returns
/// (-41001 to -41004).
///
/// # Security
/// Log the variant, but answer the client with one generic error. The encrypted data is not
/// authenticated (AES-CBC without a MAC): a client that can tell a padding failure from a JSON
/// or watermark failure has a padding oracle, which is enough to forge open data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenDataFailure {
    /// The `app_id` given to [`decrypt`](super::decrypt) is empty: the watermark check would
    /// then accept data stamped with an empty appid, i.e. data made for no mini program. A
    /// mistake of the caller, refused before the input is looked at (-41003).
    #[error("the app id to check the watermark against is empty")]
    EmptyAppId,
    /// The session key is not 24 characters of base64 decoding to 16 bytes (-41001).
    #[error("illegal session key: {0}")]
    SessionKey(MaterialFault),
    /// The iv is not 24 characters of base64 decoding to 16 bytes (-41002).
    #[error("illegal iv: {0}")]
    Iv(MaterialFault),
    /// The encrypted data text is longer than [`MAX_ENCRYPTED_DATA_LEN`](super::MAX_ENCRYPTED_DATA_LEN); nothing was decoded
    /// (-41003).
    #[error("encrypted data is {len} bytes long, more than the maximum of {max}")]
    TooLarge {
        /// Length of the encrypted data text, in bytes.
        len: usize,
        /// The maximum, [`MAX_ENCRYPTED_DATA_LEN`](super::MAX_ENCRYPTED_DATA_LEN).
        max: usize,
    },
    /// The encrypted data is not strict base64: standard alphabet, canonical `=` padding, no
    /// whitespace (-41004).
    #[error(
        "encrypted data is not strict base64{}",
        if *contains_space { " (it contains a space: a `+` mangled in transit?)" } else { "" }
    )]
    Base64 {
        /// The text contains a space, the usual sign of a `+` that URL-decoding turned into a
        /// space. See [`DecryptOptions::repair_mangled_plus`](super::DecryptOptions::repair_mangled_plus).
        contains_space: bool,
    },
    /// The ciphertext is empty or not a whole number of 16-byte blocks (-41003).
    #[error("ciphertext length {len} is not a positive multiple of 16")]
    CiphertextLength {
        /// Length of the decoded ciphertext, in bytes.
        len: usize,
    },
    /// The decrypted bytes do not end in strict PKCS#7 padding; usually a wrong key or iv
    /// (-41003).
    #[error("bad pkcs#7 padding: {0}")]
    Padding(PaddingFault),
    /// The plaintext is not UTF-8 (-41003).
    #[error("plaintext is not utf-8")]
    NotUtf8,
    /// The plaintext is not JSON (-41003).
    #[error("plaintext is not json: {detail}")]
    NotJson {
        /// The category and position of the syntax error; never the text itself.
        detail: String,
    },
    /// The plaintext has no `watermark` (or it is `null`), or is not a JSON object (-41003).
    #[error("plaintext has no watermark")]
    MissingWatermark,
    /// The watermark is not an object with a string `appid` and an integer `timestamp`
    /// (-41003).
    #[error("watermark is malformed (expected a string appid and an integer timestamp)")]
    InvalidWatermark,
    /// The watermark's appid is not ours: the data was made for another mini program (-41003).
    #[error("watermark appid does not match ours")]
    AppIdMismatch,
    /// The watermark's timestamp is further than the allowed age from `now`, in either
    /// direction (-41003). Only checked when
    /// [`DecryptOptions::max_watermark_age`](super::DecryptOptions::max_watermark_age) is set:
    /// without it, replayed data is accepted (see the replay window there).
    #[error("watermark timestamp is not within {max_age} of now")]
    StaleWatermark {
        /// The allowed age.
        max_age: time::Duration,
    },
    /// The plaintext is valid, watermarked JSON but does not have the shape of the requested
    /// payload type (-41003).
    #[error("plaintext does not match the requested payload type: {detail}")]
    Payload {
        /// The category of the mismatch; never the offending value.
        detail: &'static str,
    },
}

impl OpenDataFailure {
    /// The official demo's code for an illegal AES key.
    const ILLEGAL_AES_KEY: i32 = -41001;
    /// The official demo's code for an illegal iv.
    const ILLEGAL_IV: i32 = -41002;
    /// The official demo's code for an illegal buffer (bad padding, not JSON, wrong appid).
    const ILLEGAL_BUFFER: i32 = -41003;
    /// The official demo's code for a base64 decoding error.
    const DECODE_BASE64_ERROR: i32 = -41004;

    /// The code WeChat's official decryption demo reports for this failure.
    ///
    /// | code | variants |
    /// |---|---|
    /// | -41001 | [`SessionKey`](Self::SessionKey) |
    /// | -41002 | [`Iv`](Self::Iv) |
    /// | -41004 | [`Base64`](Self::Base64) |
    /// | -41003 | every other variant |
    pub fn demo_code(&self) -> i32 {
        match self {
            OpenDataFailure::SessionKey(_) => Self::ILLEGAL_AES_KEY,
            OpenDataFailure::Iv(_) => Self::ILLEGAL_IV,
            OpenDataFailure::Base64 { .. } => Self::DECODE_BASE64_ERROR,
            OpenDataFailure::TooLarge { .. }
            | OpenDataFailure::CiphertextLength { .. }
            | OpenDataFailure::Padding(_)
            | OpenDataFailure::NotUtf8
            | OpenDataFailure::NotJson { .. }
            | OpenDataFailure::MissingWatermark
            | OpenDataFailure::InvalidWatermark
            | OpenDataFailure::AppIdMismatch
            | OpenDataFailure::StaleWatermark { .. }
            | OpenDataFailure::Payload { .. }
            | OpenDataFailure::EmptyAppId => Self::ILLEGAL_BUFFER,
        }
    }
}

/// What is wrong with the session key or the iv text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MaterialFault {
    /// The text is not 24 bytes long.
    #[error("text is {len} bytes long, expected 24")]
    TextLength {
        /// The text's length in bytes.
        len: usize,
    },
    /// The text is not strict base64 (standard alphabet, canonical padding).
    #[error("text is not strict base64")]
    NotBase64,
    /// The text decodes to a length other than 16 bytes.
    #[error("decodes to {len} bytes, expected 16")]
    DecodedLength {
        /// The decoded length in bytes.
        len: usize,
    },
}

/// How the PKCS#7 padding is broken. The padding byte's value is not reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PaddingFault {
    /// The last byte is 0: a pad length of zero.
    #[error("pad length 0")]
    ZeroLength,
    /// The last byte is more than 16, the block size.
    #[error("pad length above 16")]
    TooLong,
    /// The pad bytes are not all equal to the pad length.
    #[error("pad bytes are not all equal")]
    InconsistentBytes,
}

/// Why [`verify_raw_data_signature`](super::verify_raw_data_signature) refused a signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureFailure {
    /// The signature is not 40 hexadecimal digits.
    #[error("signature is not 40 hex digits")]
    Malformed,
    /// The signature is well formed but does not match the rawData and session key.
    #[error("signature does not match")]
    Mismatch,
}
