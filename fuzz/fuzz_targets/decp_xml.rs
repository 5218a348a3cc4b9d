//! Any bytes as a DECP XML file: the reader (prolog encoding, BOM, streaming tree) and
//! the reading of each marché must end, without panicking, whatever the input.
#![no_main]

use clausier::decp::{arbre, lecture};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|octets: &[u8]| {
    let source = arbre::en_utf8(octets, arbre::encodage_declare(octets));
    let _ = arbre::lire_xml(source, |m| {
        let mut problemes = Vec::new();
        let _ = lecture::lire(&m.noeud, &mut problemes);
    });
});
