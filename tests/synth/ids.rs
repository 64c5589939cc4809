//! GoHighLevel-looking ids: 20 characters of `[A-Za-z0-9]` for locations, contacts, fields,
//! pipelines, opportunities and users; 36-character UUIDs for stages.
//! [`Ids`] derives an id from a name (`("contact", "jane@acme.test")`), so a fixture's ids do not
//! shift when an object is added before another one.

use super::rng::Rng;

const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A 20-character `[A-Za-z0-9]` id drawn from `rng`.
pub fn id20(rng: &mut Rng) -> String {
    let mut id = String::with_capacity(20);
    for _ in 0..2 {
        let mut x = rng.next_u64();
        for _ in 0..10 {
            id.push(ALPHABET[(x % 62) as usize] as char);
            x /= 62;
        }
    }
    id
}

/// A version-4-looking UUID (36 characters, lowercase hex) drawn from `rng`.
pub fn uuid(rng: &mut Rng) -> String {
    let hi = (rng.next_u64() & !0xF000) | 0x4000;
    let lo = (rng.next_u64() & !(0xC << 60)) | (0x8 << 60);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

/// Ids derived from a seed and a name: the same (seed, kind, key) always gives the same id.
#[derive(Debug, Clone, Copy)]
pub struct Ids {
    seed: u64,
}

impl Ids {
    pub fn new(seed: u64) -> Ids {
        Ids { seed }
    }

    /// A 20-character id for the object of `kind` named `key`.
    pub fn id20(&self, kind: &str, key: &str) -> String {
        id20(&mut self.rng(kind, key))
    }

    /// A UUID for the object of `kind` named `key` (stages).
    pub fn uuid(&self, kind: &str, key: &str) -> String {
        uuid(&mut self.rng(kind, key))
    }

    fn rng(&self, kind: &str, key: &str) -> Rng {
        // FNV-1a over kind, a separator and key, mixed with the seed.
        let mut h: u64 = 0xCBF2_9CE4_8422_2325;
        for b in kind.bytes().chain([0xFF]).chain(key.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01B3);
        }
        Rng::new(h ^ self.seed.rotate_left(17))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_ghl_ids() {
        let mut rng = Rng::new(3);
        let id = id20(&mut rng);
        assert_eq!(id.len(), 20);
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
        let u = uuid(&mut rng);
        assert_eq!(u.len(), 36);
        assert_eq!(u.matches('-').count(), 4);
        assert_eq!(&u[14..15], "4");
    }

    #[test]
    fn keyed_ids_are_stable_and_distinct() {
        let ids = Ids::new(1);
        assert_eq!(ids.id20("contact", "a"), ids.id20("contact", "a"));
        assert_ne!(ids.id20("contact", "a"), ids.id20("contact", "b"));
        assert_ne!(ids.id20("contact", "a"), ids.id20("user", "a"));
        assert_ne!(ids.id20("contact", "a"), Ids::new(2).id20("contact", "a"));
    }
}
