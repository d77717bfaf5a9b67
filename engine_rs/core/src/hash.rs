//! Hex encoding and the state digest: SHA-256 over the canonical (compact msgpack)
//! serialization of the engine state, streamed into the hasher without a buffer.

use std::io;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

struct HashWriter(Sha256);

impl io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Hex SHA-256 of `value` serialized as compact msgpack. Deterministic because every container
/// in the state is ordered (Vec, BTreeMap, BTreeSet, IndexMap).
pub fn digest<T: Serialize>(value: &T) -> String {
    let mut writer = HashWriter(Sha256::new());
    rmp_serde::encode::write(&mut writer, value).expect("state serializes");
    hex(&writer.0.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_encodes() {
        assert_eq!(hex(&[0x00, 0xab, 0x0f]), "00ab0f");
    }

    #[test]
    fn digest_is_stable() {
        let a = digest(&(1_u32, "x"));
        assert_eq!(a, digest(&(1_u32, "x")));
        assert_ne!(a, digest(&(2_u32, "x")));
        assert_eq!(a.len(), 64);
    }
}
