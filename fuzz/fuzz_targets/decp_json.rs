//! Any bytes as a DECP JSON file: the reader (BOM, NaN/Infinity, one marché as an object,
//! positions) and the reading of each marché must end, without panicking.
#![no_main]

use clausier::decp::{arbre, lecture};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|octets: &[u8]| {
    let _ = arbre::lire_json(arbre::en_utf8(octets, None), |m| {
        let mut problemes = Vec::new();
        let _ = lecture::lire(&m.noeud, &mut problemes);
    });
});
